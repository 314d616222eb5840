import { useEffect, useMemo, useState } from 'react';
import type { ScheduledRun } from '../../../../shared/results-calls.ts';
import { formatUtc } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { plural } from '../../lib/format.ts';
import { columnKinds, readResult } from '../../lib/result-columns.ts';
import type { ParsedTable } from '../../lib/results.ts';
import { useAction } from '../../lib/useAction.ts';
import { historySeries, type HistoryPick } from './history-series.ts';
import { RunHistoryChart } from './RunHistoryChart.tsx';

/** Enough of each run's output to find a row in it. */
const MAX_BYTES = 4 * 1024 * 1024;
const MAX_ROWS = 100_000;
const MAX_KEYS = 2000;

type Loaded = Map<string, ParsedTable | undefined>;

/**
 * A job's runs side by side: one value (a row's key and a column) of each run's output, charted
 * over the time the runs started and listed run by run. Runs in S3 not downloaded yet, failed runs
 * and runs whose output lacks the row are gaps, and say why.
 */
export function RunHistory({
  job,
  runs,
  files,
  reference,
  onDownloaded,
}: {
  job: string;
  runs: readonly ScheduledRun[];
  files: readonly string[];
  reference: string;
  /** Runs were downloaded: the list of runs (which are here) is read again. */
  onDownloaded: () => void;
}) {
  const client = useClient();
  const [file, setFile] = useState(files[0]);
  const [tables, setTables] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [keyColumn, setKeyColumn] = useState(0);
  const [key, setKey] = useState<string>();
  const [valueColumn, setValueColumn] = useState<number>();
  const [downloading, setDownloading] = useState<string>();
  const [generation, setGeneration] = useState(0);
  const readable = useMemo(() => runs.filter((r) => r.here && r.status === 'succeeded'), [runs]);
  const inS3 = runs.filter((r) => !r.here && r.status === 'succeeded');
  const readableIds = readable.map((r) => r.runId).join(' ');

  useEffect(() => {
    if (file === undefined) return;
    let current = true;
    (async () => {
      const loaded: Loaded = new Map();
      for (const runId of readableIds.split(' ').filter(Boolean)) {
        const result = await client.call('results:scheduled-result', { job, runId, name: file, maxBytes: MAX_BYTES }).catch(() => null);
        loaded.set(runId, result ? readResult(result.name, result.text, MAX_ROWS) : undefined);
      }
      if (current) setTables(loaded);
    })().catch((err: unknown) => current && setError(errorMessage(err)));
    return () => {
      current = false;
    };
  }, [client, job, file, readableIds, generation]);

  const table = tables?.get(reference);
  const keys = useMemo(() => (table ? [...new Set(table.rows.map((r) => r[keyColumn] ?? ''))].slice(0, MAX_KEYS) : []), [table, keyColumn]);
  const numericColumn = useMemo(() => {
    if (!table) return undefined;
    const kinds = columnKinds(table);
    const at = kinds.findIndex((k, i) => k === 'number' && i !== keyColumn);
    return at >= 0 ? at : undefined;
  }, [table, keyColumn]);
  const valueAt = valueColumn ?? numericColumn;
  const chosenKey = key !== undefined && keys.includes(key) ? key : keys[0];
  const pick = useMemo<HistoryPick | undefined>(
    () =>
      table && chosenKey !== undefined && valueAt !== undefined
        ? { keyColumn: table.columns[keyColumn] ?? '', keyColumnIndex: keyColumn, key: chosenKey, valueColumn: table.columns[valueAt] ?? '', valueColumnIndex: valueAt }
        : undefined,
    [table, chosenKey, valueAt, keyColumn],
  );
  const points = useMemo(() => {
    if (!pick || !tables) return [];
    const missing = new Map(runs.filter((r) => !tables.has(r.runId)).map((r) => [r.runId, r.status === 'succeeded' ? 'in S3, not downloaded' : r.status]));
    const timed = runs.map((r) => ({ runId: r.runId, at: r.scheduledFor ?? r.startedAt }));
    return historySeries(timed, tables, pick).map((p) => (missing.has(p.runId) ? { ...p, value: undefined, missing: missing.get(p.runId)! } : p));
  }, [runs, tables, pick]);

  const downloadAll = useAction(async () => {
    try {
      for (const [i, run] of inS3.entries()) {
        setDownloading(`Downloading run ${i + 1} of ${inS3.length} from S3…`);
        await client.call('results:open-scheduled', { job, runId: run.runId });
      }
    } finally {
      setDownloading(undefined);
      setGeneration((g) => g + 1);
      onDownloaded();
    }
  });

  if (runs.length < 2) return null;
  const withValue = points.filter((p) => p.value !== undefined).length;
  return (
    <section className="run-history" aria-label={`History of ${job}`}>
      <h3>
        History of {job} <span className="muted small">{plural(runs.length, 'run')}</span>
      </h3>
      {error && <p className="error" role="alert">{error}</p>}
      {inS3.length > 0 && (
        <div className="row">
          <span className="muted small">{plural(inS3.length, 'run')} in S3 not downloaded yet.</span>
          <button type="button" disabled={downloadAll.pending} onClick={() => void downloadAll.run()}>
            Download {inS3.length === 1 ? 'it' : 'them'}
          </button>
          {downloading && <span className="muted small">{downloading}</span>}
          {downloadAll.error && <span className="error small" role="alert">{downloadAll.error}</span>}
        </div>
      )}
      {!tables && <p className="muted">Reading the runs’ output…</p>}
      {tables && !table && <p className="muted">This run’s output has no table to pick a value from.</p>}
      {table && (
        <>
          <div className="chart-options">
            {files.length > 1 && (
              <label>
                File
                <select value={file} onChange={(e) => setFile(e.target.value)}>
                  {files.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label>
              Key column
              <select value={keyColumn} onChange={(e) => setKeyColumn(Number(e.target.value))}>
                {table.columns.map((c, i) => (
                  <option key={i} value={i}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Row
              <select value={chosenKey ?? ''} onChange={(e) => setKey(e.target.value)}>
                {keys.map((k) => (
                  <option key={k} value={k}>
                    {k === '' ? '(empty)' : k}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Value
              <select value={valueAt ?? ''} onChange={(e) => setValueColumn(Number(e.target.value))}>
                {valueAt === undefined && <option value="">no numeric column</option>}
                {table.columns.map((c, i) => (
                  <option key={i} value={i}>
                    {c}
                  </option>
                ))}
              </select>
            </label>
          </div>
          {pick && (
            <>
              <RunHistoryChart
                points={points}
                label={`${pick.valueColumn} of ${pick.key} across ${plural(points.length, 'run')}, ${withValue} with a value`}
              />
              <table className="history-values">
                <caption className="muted small">
                  {pick.valueColumn} of {pick.key}, run by run
                </caption>
                <thead>
                  <tr>
                    <th>For</th>
                    <th>Run</th>
                    <th>{pick.valueColumn}</th>
                  </tr>
                </thead>
                <tbody>
                  {[...points].reverse().map((p) => (
                    <tr key={p.runId} data-run-id={p.runId} aria-current={p.runId === reference ? 'true' : undefined}>
                      <td>{formatUtc(new Date(p.time))}</td>
                      <td>
                        <a href={`#/results/scheduled/${job}/${encodeURIComponent(p.runId)}`}>{p.runId}</a>
                      </td>
                      <td className="num">{p.value === undefined ? <span className="muted">– {p.missing}</span> : p.value.toLocaleString('en')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </>
      )}
    </section>
  );
}
