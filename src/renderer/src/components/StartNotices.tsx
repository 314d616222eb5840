import { useState } from 'react';
import type { Notice } from '../../../shared/model.ts';
import { useClient } from '../api/context.tsx';
import { Banner } from './Banner.tsx';
import { useAction } from '../lib/useAction.ts';

/**
 * The start-up notices of app:info. A kept one (it has an id: a damaged file set aside, say)
 * is forgotten in the core when dismissed here, so it is shown at every start until then.
 */
export function StartNotices({ notices }: { notices: Notice[] }) {
  const client = useClient();
  const [hidden, setHidden] = useState<number[]>([]);
  const dismiss = (index: number, notice: Notice) => {
    setHidden((current) => [...current, index]);
    if (notice.id) void client.call('app:dismiss-notice', { id: notice.id }).catch(() => undefined);
  };
  return notices.map((notice, index) =>
    hidden.includes(index) ? null : <StartNotice key={notice.id ?? index} notice={notice} onDismiss={() => dismiss(index, notice)} />,
  );
}

function StartNotice({ notice, onDismiss }: { notice: Notice; onDismiss: () => void }) {
  const client = useClient();
  const [found, setFound] = useState<string>();
  const find = useAction(async () => {
    const { workers, message } = await client.call('ec2:find-workers');
    const count = workers.length;
    setFound(`${count === 0 ? 'No EC2 workers of this app were found' : `Found ${count} EC2 worker${count === 1 ? '' : 's'}; they are listed under Workers`}.${message ? ` ${message}` : ''}`);
    // Done what it asked for: not shown again at the next start.
    if (notice.id) void client.call('app:dismiss-notice', { id: notice.id }).catch(() => undefined);
  });
  const busy = find.pending;
  const outcome: { level: 'info' | 'error'; text: string } | undefined = find.error
    ? { level: 'error', text: `Could not look for the EC2 workers: ${find.error}` }
    : found !== undefined
      ? { level: 'info', text: found }
      : undefined;

  return (
    <Banner
      level={outcome?.level === 'info' ? 'info' : notice.level}
      data-start-notice={notice.id ?? ''}
      onDismiss={onDismiss}
      actions={
        notice.action && outcome?.level !== 'info' ? (
          <button type="button" className="link-button" onClick={() => void find.run()} disabled={busy}>
            {busy ? 'Looking in every region…' : notice.action.label}
          </button>
        ) : undefined
      }
    >
      {outcome?.level === 'info' ? outcome.text : notice.message}
      {outcome?.level === 'error' && <div>{outcome.text}</div>}
    </Banner>
  );
}
