import { useCallback, useState } from 'react';
import { readableLog } from '../../../../shared/progress-view.ts';
import { formatLocal, formatUtc } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { useAction } from '../../lib/useAction.ts';
import { RELOAD, useLive } from '../../lib/useLive.ts';
import { OutputLocation } from './OutputLocation.tsx';

function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m} min ${seconds % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

function bytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

const readAgain = (): typeof RELOAD => RELOAD;

/** The job's runs, newest first: records, the run going now, skipped and missed slots. */
export function ScheduleHistory({ name }: { name: string }) {
  const client = useClient();
  const [log, setLog] = useState<{ runId: string; text: string; truncated: boolean }>();
  const load = useCallback(() => client.call('schedules:history', { name }), [client, name]);
  // A run starting or ending changes the list of schedules: the history is read again then.
  const history = useLive({ load, topic: 'schedules:changed', apply: readAgain });
  const rows = history.value;
  const openLog = useAction(async (runId: string) => setLog({ runId, ...(await client.call('schedules:log', { name, runId })) }));
  const error = history.error ?? openLog.error;

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!rows) return <p className="muted">Loading the history…</p>;
  return (
    <section className="schedule-history" aria-label={`History of ${name}`}>
      <h2>History of {name}</h2>
      {rows.length === 0 ? (
        <p className="muted">No runs yet. Use Run now to try it.</p>
      ) : (
        <table className="history-table">
          <thead>
            <tr>
              <th>Status</th>
              <th>Scheduled for</th>
              <th>Started</th>
              <th>Duration</th>
              <th>Published</th>
              <th>Log</th>
              <th>Output</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={r.runId ?? `${r.status}-${r.scheduledFor ?? i}`} data-status={r.status} data-run-id={r.runId ?? undefined}>
                <td>
                  <span className={`status-badge ${r.status}`}>{r.status}</span>
                  {r.message && <div className="small muted history-message">{r.message.split('\n')[0]}</div>}
                  {r.guardFindings.length > 0 && (
                    <details className="small">
                      <summary>{r.guardFindings.length} publish-guard finding{r.guardFindings.length === 1 ? '' : 's'}</summary>
                      <ul>
                        {r.guardFindings.slice(0, 20).map((f, j) => (
                          <li key={j}>
                            {f.file}
                            {f.line !== null ? `:${f.line}` : ''}: {f.kind} ({f.sample})
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                <td>{r.scheduledFor ? formatUtc(new Date(r.scheduledFor)) : <span className="muted">run now</span>}</td>
                <td title={r.startedAt ? formatLocal(new Date(r.startedAt)) : undefined}>{r.startedAt ? formatUtc(new Date(r.startedAt)) : '–'}</td>
                <td>{duration(r.durationSeconds)}</td>
                <td>{r.filesPublished > 0 ? `${r.filesPublished} file${r.filesPublished === 1 ? '' : 's'}, ${bytes(r.bytesPublished)}` : '–'}</td>
                <td>
                  {r.runId && r.log ? (
                    <button type="button" className="link-button" onClick={() => void openLog.run(r.runId!)} title={r.log}>
                      log
                    </button>
                  ) : (
                    '–'
                  )}
                </td>
                <td className="output-location">
                  {r.output && r.filesPublished > 0 ? <OutputLocation location={r.output} /> : '–'}
                  {r.runId && r.output && r.filesPublished > 0 && (
                    <a className="small" href={`#/results/scheduled/${name}/${encodeURIComponent(r.runId)}`}>
                      Open in Results
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log && (
        <div className="schedule-log" aria-label={`Log of run ${log.runId}`}>
          <div className="row">
            <strong>Log of run {log.runId}</strong>
            {log.truncated && <span className="muted small">(the last 1 MB)</span>}
            <button type="button" onClick={() => setLog(undefined)} aria-label="Close the log">
              ×
            </button>
          </div>
          {/* The runner's @progress lines read as one line per step. */}
          <pre>{readableLog(log.text)}</pre>
        </div>
      )}
    </section>
  );
}
