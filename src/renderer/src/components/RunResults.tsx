import { useEffect, useMemo, useState } from 'react';
import type { Run, RunResult } from '../../../shared/model.ts';
import type { ScheduledRunFiles } from '../../../shared/results-calls.ts';
import { useClient } from '../api/context.tsx';
import { ResultChart } from './ResultChart.tsx';
import { ResultsTable } from './ResultsTable.tsx';
import { chartKinds, columnKinds, groupsOf, planFor, readResult, type ChartKind, type ChartPlan } from '../lib/result-columns.ts';
import { errorMessage } from '../lib/errors.ts';
import { plural } from '../lib/format.ts';

const MAX_ROWS = 100_000;

const KIND_NAMES: Record<ChartKind, string> = { bar: 'Bar chart', time: 'Over time', buckets: 'Buckets', histogram: 'Histogram' };

/** One option a column, its index as the value: the choices of the chart's Labels and Values. */
function ColumnOptions({ columns }: { columns: string[] }) {
  return columns.map((name, index) => (
    <option key={index} value={index}>
      {name}
    </option>
  ));
}

/** What the user changed of the chart the result suggests. */
interface Choices {
  kind?: ChartKind;
  labelColumn?: number;
  valueColumn?: number;
  group?: string;
}

/** A run's output here: a job run's downloaded files, or a scheduled run's opened ones. */
export type RunResultsProps = { run: Run } | { scheduled: ScheduledRunFiles };

/** A finished run's downloaded output as a sortable table and a chart (one file at a time). */
export function RunResults(props: RunResultsProps) {
  const client = useClient();
  const scheduled = 'scheduled' in props ? props.scheduled : undefined;
  const run = 'run' in props ? props.run : undefined;
  const here = scheduled ? scheduled.files.map((f) => f.name) : (run?.outputs ?? []).filter((o) => o.downloaded).map((o) => o.name);
  const id = scheduled ? `${scheduled.job}-${scheduled.runId}` : (run?.id ?? '');
  const folder = scheduled ? scheduled.folder : run?.resultDir;
  const jobName = scheduled ? scheduled.job : (run?.jobName ?? '');
  const job = scheduled?.job;
  const [name, setName] = useState(here[0]);
  const [result, setResult] = useState<RunResult | null>();
  const [error, setError] = useState<string>();
  const [choices, setChoices] = useState<Choices>({});

  const runId = scheduled ? scheduled.runId : (run?.id ?? '');
  useEffect(() => {
    const file = name !== undefined ? { name } : {};
    const answer = job === undefined ? client.call('jobs:result', { runId, ...file }) : client.call('results:scheduled-result', { job, runId, ...file });
    answer.then(setResult, (err: unknown) => setError(errorMessage(err)));
  }, [client, job, runId, name]);

  const table = useMemo(() => (result ? readResult(result.name, result.text, MAX_ROWS) : undefined), [result]);
  const kinds = useMemo(() => (table ? columnKinds(table) : []), [table]);
  const available = useMemo(() => (table ? chartKinds(table, kinds) : []), [table, kinds]);
  const kind = choices.kind !== undefined && available.includes(choices.kind) ? choices.kind : available[0];
  const plan = useMemo<ChartPlan | undefined>(() => {
    const suggested = table && kind ? planFor(table, kinds, kind) : undefined;
    if (!suggested) return undefined;
    const { labelColumn, valueColumn, group } = choices;
    return {
      ...suggested,
      ...(kind === 'bar' && labelColumn !== undefined && { labelColumn }),
      ...(kind !== 'buckets' && valueColumn !== undefined && { valueColumn }),
      ...(kind === 'buckets' && group !== undefined && { group }),
    };
  }, [table, kinds, kind, choices]);
  const groups = useMemo(() => (table && plan?.kind === 'buckets' ? groupsOf(table, plan) : []), [table, plan]);
  const choose = (change: Choices) => setChoices((previous) => ({ ...previous, ...change }));

  if (error) return <p className="error" role="alert">{error}</p>;
  if (result === undefined) return <p className="muted">Loading the output…</p>;
  if (result === null || !table) return <p className="muted">This run wrote no output.</p>;
  return (
    <section className="run-results" aria-label="Results">
      <div className="row spread">
        <h3>
          {result.name}{' '}
          <span className="muted small">
            {plural(table.totalRows, 'row')}
            {result.truncated || table.truncated ? ' (the start of the output)' : ''} · {folder}
          </span>
        </h3>
        <div className="chart-options">
          {here.length > 1 && (
            <label>
              File
              <select
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                  setChoices({}); // another file, other columns
                }}
              >
                {here.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          )}
          {available.length > 0 && (
            <fieldset className="segmented" aria-label="Chart">
              {available.map((k) => (
                <label key={k}>
                  <input type="radio" name={`chart-${id}`} checked={kind === k} onChange={() => choose({ kind: k })} />
                  {KIND_NAMES[k]}
                </label>
              ))}
            </fieldset>
          )}
          {plan?.kind === 'bar' && (
            <label>
              Labels
              <select value={plan.labelColumn ?? 0} onChange={(e) => choose({ labelColumn: Number(e.target.value) })}>
                <ColumnOptions columns={table.columns} />
              </select>
            </label>
          )}
          {plan && plan.kind !== 'buckets' && (
            <label>
              Values
              <select
                value={choices.valueColumn ?? ''}
                onChange={(e) => choose({ valueColumn: e.target.value === '' ? undefined : Number(e.target.value) })}
              >
                <option value="">first numeric column</option>
                <ColumnOptions columns={table.columns} />
              </select>
            </label>
          )}
          {plan?.kind === 'buckets' && groups.length > 1 && (
            <label>
              Series
              <select value={plan.group ?? groups[0]} onChange={(e) => choose({ group: e.target.value })}>
                {groups.slice(0, 5000).map((g) => (
                  <option key={g} value={g}>
                    {g}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
      </div>
      {plan ? <ResultChart table={table} plan={plan} /> : <p className="result-chart-empty">No numbers, dates or histograms to chart.</p>}
      <ResultsTable table={table} caption={`Output of ${jobName}`} fileName={result.name} partial={result.truncated} />
    </section>
  );
}
