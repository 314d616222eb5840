import { useState } from 'react';
import type { Run } from '../../../../shared/model.ts';
import { useClient } from '../../api/context.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { formatBytes } from '../../lib/format.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAction } from '../../lib/useAction.ts';

/** Where a finished run's results are, in a few words (history and the run's header). */
export function resultsLocation(run: Run, workerName: string): string | undefined {
  if (run.status === 'running' || run.outputs.length === 0) return undefined;
  const here = run.outputs.filter((o) => o.downloaded).length;
  if (here === run.outputs.length) return run.worker === 'local' ? `in ${run.resultDir}` : `downloaded to ${run.resultDir}`;
  if (run.resultsLost) return here > 0 ? `${here} of ${run.outputs.length} files downloaded; the rest went with the worker` : 'lost with the worker';
  return here > 0 ? `${here} of ${run.outputs.length} files downloaded, the rest on ${workerName}` : `on ${workerName}`;
}

/**
 * A finished run's output folder: its files with sizes, which are here, and downloading all or
 * the chosen ones (verified, through the transfer queue) with progress.
 */
export function RunOutputs({ run, workerName }: { run: Run; workerName: string }) {
  const client = useClient();
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const missing = run.outputs.filter((o) => !o.downloaded);
  const total = run.outputs.reduce((sum, o) => sum + o.bytes, 0);

  const { run: download, pending: busy, error } = useAction(async (names?: string[]) => {
    await client.call('jobs:download', { runId: run.id, ...(names && { names }) });
    setChosen(new Set());
  });
  const toggle = (name: string) =>
    setChosen((current) => {
      const next = new Set(current);
      if (next.has(name)) next.delete(name);
      else next.add(name);
      return next;
    });

  return (
    <section className="run-outputs" aria-label="Output files">
      <div className="row spread">
        <h3>
          Output <span className="muted small">{run.outputs.length} {run.outputs.length === 1 ? 'file' : 'files'}, {formatBytes(total)} · {resultsLocation(run, workerName)}</span>
        </h3>
        {missing.length > 0 && !run.resultsLost && (
          <span className="row">
            <button type="button" disabled={busy || chosen.size === 0} onClick={() => void download([...chosen])}>
              Download selected
            </button>
            <button type="button" disabled={busy} onClick={() => void download()}>
              {busy ? 'Downloading…' : missing.length === run.outputs.length ? 'Download all' : 'Download the rest'}
            </button>
          </span>
        )}
      </div>
      {run.download && <ProgressBar value={run.download.bytesTotal ? run.download.bytesDone / run.download.bytesTotal : 0} label="Downloading" detail={`${formatBytes(run.download.bytesDone)} of ${formatBytes(run.download.bytesTotal)}`} />}
      <ErrorText error={error} />
      <table className="output-files">
        <tbody>
          {run.outputs.map((o) => (
            <tr key={o.name}>
              <td>
                {o.downloaded ? (
                  <span aria-label="downloaded" title="On this computer">
                    ✓
                  </span>
                ) : (
                  <input type="checkbox" aria-label={`Choose ${o.name}`} checked={chosen.has(o.name)} disabled={run.resultsLost === true} onChange={() => toggle(o.name)} />
                )}
              </td>
              <td className="name">{o.name}</td>
              <td className="size">{formatBytes(o.bytes)}</td>
              <td className="muted small">{o.downloaded ? 'here' : run.resultsLost ? 'lost' : `on ${workerName}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
