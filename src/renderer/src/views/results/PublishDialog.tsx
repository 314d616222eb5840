import { useEffect, useState } from 'react';
import type { PublishProgress, PublishResult, PublishScan } from '../../../../shared/publish-calls.ts';
import type { Visibility } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { formatBytes, plural } from '../../lib/format.ts';
import './publish.css';
import { errorMessage } from '../../lib/errors.ts';
import { useAction } from '../../lib/useAction.ts';

const KIND_LABEL: Record<string, string> = {
  'client-id': 'client id',
  email: 'e-mail address',
  'ip-address': 'IP address',
  'raw-json': 'raw submission',
};

/**
 * "Publish to S3…" for a finished run: pick the bucket (public or private, from Settings) and a
 * folder in it. For the public bucket the publish guard's findings are listed, and Publish stays
 * off until the user has ticked each one as checked: nothing raw goes out by accident.
 */
export function PublishDialog({ runId, onClose }: { runId: string; onClose: () => void }) {
  const client = useClient();
  const [scan, setScan] = useState<PublishScan>();
  const [visibility, setVisibility] = useState<Visibility>('private');
  const [prefix, setPrefix] = useState('');
  const [confirmed, setConfirmed] = useState<Set<string>>(new Set());
  const [publishId] = useState(() => `pub-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`);
  const [progress, setProgress] = useState<PublishProgress>();
  const [done, setDone] = useState<PublishResult>();
  const {
    run: start,
    pending: busy,
    error,
    setError,
  } = useAction(async () => setDone(await client.call('publish:start', { publishId, runId, visibility, prefix, confirmed: visibility === 'public' ? [...confirmed] : [] })));

  useEffect(() => {
    client.call('publish:scan', { runId }).then(
      (s) => {
        setScan(s);
        setPrefix(s.prefix);
        setVisibility(s.buckets.private || !s.buckets.public ? 'private' : 'public');
      },
      (err: unknown) => setError(errorMessage(err)),
    );
  }, [client, runId, setError]);
  useEffect(() => client.subscribe('publish:progress', setProgress, publishId), [client, publishId]);

  const bucket = scan ? scan.buckets[visibility] : '';
  const guarded = visibility === 'public' && scan !== undefined && scan.findings.length > 0;
  const allConfirmed = !guarded || (scan.findings.every((f) => confirmed.has(f.key)) && !scan.truncated);

  const publish = () => (done ? onClose() : void start());
  const cancel = () => {
    if (busy) void client.call('publish:cancel', { publishId });
    else onClose();
  };

  return (
    <ConfirmDialog
      title="Publish to S3"
      confirmLabel={done ? 'Close' : 'Publish'}
      busy={busy}
      confirmDisabled={!done && (!scan || !bucket || !allConfirmed || prefix.trim() === '')}
      error={error}
      onConfirm={() => void publish()}
      onCancel={cancel}
    >
      {!scan && !error && <p className="muted">Scanning the output…</p>}
      {scan && (
        <div className="publish-form">
          <p>
            {plural(scan.files, 'file')}, {formatBytes(scan.bytes)}.
          </p>
          <fieldset className="segmented" aria-label="Bucket">
            {(['private', 'public'] as const).map((v) => (
              <label key={v}>
                <input type="radio" name="publish-visibility" checked={visibility === v} onChange={() => setVisibility(v)} disabled={busy || !!done} />
                {v === 'private' ? 'Private bucket' : 'Public bucket'}
              </label>
            ))}
          </fieldset>
          {!bucket && <p className="error">Set the {visibility} bucket in Settings → S3 buckets first.</p>}
          <label>
            Folder in {bucket ? <code className="path">s3://{bucket}/</code> : 'the bucket'}
            <input value={prefix} onChange={(e) => setPrefix(e.target.value)} spellCheck={false} disabled={busy || !!done} />
          </label>
          {visibility === 'public' && scan.findings.length === 0 && <p className="muted">The publish guard found nothing that looks like raw data.</p>}
          {guarded && (
            <div className="publish-findings" role="group" aria-label="Publish guard findings">
              <p>
                The publish guard found {plural(scan.findings.length, 'thing')} that look{scan.findings.length === 1 ? 's' : ''} like raw data. Check each; tick it only if it is
                not personal or raw data.
              </p>
              {scan.truncated && <p className="error">There are more findings than listed: clean the output, or publish privately.</p>}
              <ul>
                {scan.findings.map((f) => (
                  <li key={f.key}>
                    <label>
                      <input
                        type="checkbox"
                        checked={confirmed.has(f.key)}
                        disabled={busy || !!done}
                        onChange={(e) => {
                          const next = new Set(confirmed);
                          if (e.target.checked) next.add(f.key);
                          else next.delete(f.key);
                          setConfirmed(next);
                        }}
                      />
                      <span>
                        {KIND_LABEL[f.kind] ?? f.kind} in <code className="path">{f.file}</code>
                        {f.line !== null ? ` line ${f.line}` : ''}: <code className="mono">{f.sample}</code>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {progress && !done && (
            <ProgressBar value={progress.bytesTotal ? progress.bytesDone / progress.bytesTotal : undefined} label="Uploading" detail={`${progress.filesDone} of ${plural(progress.filesTotal, 'file')}, ${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)}`} />
          )}
          {done && (
            <p role="status">
              Published {plural(done.files, 'file')} ({formatBytes(done.bytes)}) to <code className="path">{done.url}</code>
            </p>
          )}
        </div>
      )}
    </ConfirmDialog>
  );
}
