import { useEffect, useMemo, useState } from 'react';
import type { Run, RunResult } from '../../../shared/model.ts';
import { useClient } from '../api/context.tsx';
import { ResultChart, type ResultChartKind } from './ResultChart.tsx';
import { ResultsTable } from './ResultsTable.tsx';
import { parseDelimited } from '../lib/results.ts';
import { errorMessage } from '../lib/errors.ts';

const MAX_ROWS = 100_000;

/** CSV when it says so or looks so (commas, no tabs); map/reduce's own output is tab-separated. */
function separatorFor(result: RunResult): string {
  const newline = result.text.indexOf('\n');
  const firstLine = newline < 0 ? result.text : result.text.slice(0, newline);
  return result.name.endsWith('.csv') || (!firstLine.includes('\t') && firstLine.includes(',')) ? ',' : '\t';
}

/** One option a column, its index as the value: the choices of the chart's Labels and Values. */
function ColumnOptions({ columns }: { columns: string[] }) {
  return columns.map((name, index) => (
    <option key={name} value={index}>
      {name}
    </option>
  ));
}

/** A finished run's downloaded output as a sortable table and a chart (one file at a time). */
export function RunResults({ run }: { run: Run }) {
  const client = useClient();
  const here = run.outputs.filter((o) => o.downloaded).map((o) => o.name);
  const [name, setName] = useState(here[0]);
  const [result, setResult] = useState<RunResult | null>();
  const [error, setError] = useState<string>();
  const [kind, setKind] = useState<ResultChartKind>('bar');
  const [labelColumn, setLabelColumn] = useState(0);
  const [valueColumn, setValueColumn] = useState<number>();

  useEffect(() => {
    client.call('jobs:result', { runId: run.id, ...(name !== undefined && { name }) }).then(setResult, (err: unknown) => setError(errorMessage(err)));
  }, [client, run.id, name]);

  const table = useMemo(() => (result ? parseDelimited(result.text, { separator: separatorFor(result), maxRows: MAX_ROWS }) : undefined), [result]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (result === undefined) return <p className="muted">Loading the output…</p>;
  if (result === null || !table) return <p className="muted">This run wrote no output.</p>;
  return (
    <section className="run-results" aria-label="Results">
      <div className="row spread">
        <h3>
          {result.name}{' '}
          <span className="muted small">
            {table.totalRows.toLocaleString('en')} rows{result.truncated || table.truncated ? ' (the start of the output)' : ''} · {run.resultDir}
          </span>
        </h3>
        <div className="chart-options">
          {here.length > 1 && (
            <label>
              File
              <select value={name} onChange={(e) => setName(e.target.value)}>
                {here.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          )}
          <fieldset className="segmented" aria-label="Chart">
            {(['bar', 'histogram'] as const).map((k) => (
              <label key={k}>
                <input type="radio" name={`chart-${run.id}`} checked={kind === k} onChange={() => setKind(k)} />
                {k === 'bar' ? 'Bar chart' : 'Histogram'}
              </label>
            ))}
          </fieldset>
          {kind === 'bar' && (
            <label>
              Labels
              <select value={labelColumn} onChange={(e) => setLabelColumn(Number(e.target.value))}>
                <ColumnOptions columns={table.columns} />
              </select>
            </label>
          )}
          <label>
            Values
            <select value={valueColumn ?? ''} onChange={(e) => setValueColumn(e.target.value === '' ? undefined : Number(e.target.value))}>
              <option value="">first numeric column</option>
              <ColumnOptions columns={table.columns} />
            </select>
          </label>
        </div>
      </div>
      <ResultChart table={table} kind={kind} labelColumn={labelColumn} {...(valueColumn !== undefined && { valueColumn })} />
      <ResultsTable table={table} caption={`Output of ${run.jobName}`} />
    </section>
  );
}
