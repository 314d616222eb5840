import { useState } from 'react';
import { useClient } from '../api/context.tsx';
import { useAction } from '../lib/useAction.ts';

/** "Download results": fetches every finished run's output from one worker (before it goes), then says what came. */
export function DownloadWorkerResults({ workerId }: { workerId: string }) {
  const client = useClient();
  const [outcome, setOutcome] = useState<{ said: string; failed: boolean }>();
  const { run: download, pending: busy, error } = useAction(async () => {
    setOutcome(undefined);
    const done = await client.call('jobs:download-worker-results', { workerId });
    const what = done.runs === 0 ? 'Every finished run’s output is already here.' : `Downloaded ${done.files} ${done.files === 1 ? 'file' : 'files'} of ${done.runs} ${done.runs === 1 ? 'run' : 'runs'}.`;
    setOutcome({ said: done.failed.length ? `${what} Not downloaded: ${done.failed.join('; ')}` : what, failed: done.failed.length > 0 });
  });
  const said = error ?? outcome?.said;
  const failed = error !== undefined || outcome?.failed;

  return (
    <>
      {/* A link to the Jobs view, where each run's download shows; following it starts them. */}
      <a href="#/jobs" aria-disabled={busy} onClick={() => void (busy ? undefined : download())}>
        Download results
      </a>
      {busy && <span className="muted">Downloading…</span>}
      {said && (
        <span className={failed ? 'error' : 'muted'} role="status">
          {said}
        </span>
      )}
    </>
  );
}
