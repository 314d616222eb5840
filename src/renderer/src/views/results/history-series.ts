/**
 * One value across a job's runs: the row whose key cell is `key`, its `value` column, in each
 * run's output. Pure: no DOM. Columns are matched by name (a run whose output names its columns
 * differently is matched by position), so a job whose header changed still lines up.
 */
import { parseNumber, type ParsedTable } from '../../lib/results.ts';

export interface HistoryRun {
  runId: string;
  /** ISO time the run stands for: when it was scheduled for, else when it started. */
  at: string;
}

export interface HistoryPoint {
  runId: string;
  /** ms since 1970 UTC. */
  time: number;
  /** Undefined: the run's output has no such row, no such column, or no number there (a gap). */
  value: number | undefined;
  /** Why there is no value, for the table beside the chart. */
  missing?: string;
}

/** What to look up in each run's table. */
export interface HistoryPick {
  keyColumn: string;
  keyColumnIndex: number;
  key: string;
  valueColumn: string;
  valueColumnIndex: number;
}

function columnIn(table: ParsedTable, name: string, index: number): number | undefined {
  const byName = table.columns.indexOf(name);
  if (byName >= 0) return byName;
  return index < table.columns.length ? index : undefined;
}

/** The value of `pick` in one run's table, or why there is none. */
export function valueIn(table: ParsedTable | undefined, pick: HistoryPick): { value: number | undefined; missing?: string } {
  if (!table) return { value: undefined, missing: 'no output here' };
  const keyAt = columnIn(table, pick.keyColumn, pick.keyColumnIndex);
  const valueAt = columnIn(table, pick.valueColumn, pick.valueColumnIndex);
  if (keyAt === undefined || valueAt === undefined) return { value: undefined, missing: 'no such column' };
  const row = table.rows.find((r) => r[keyAt] === pick.key);
  if (!row) return { value: undefined, missing: `no row ${pick.key}` };
  const value = parseNumber(row[valueAt] ?? '');
  return value === undefined ? { value: undefined, missing: 'not a number' } : { value };
}

/** One point a run, oldest first; a run without the value is a point without one (a gap). */
export function historySeries(runs: readonly HistoryRun[], tables: ReadonlyMap<string, ParsedTable | undefined>, pick: HistoryPick): HistoryPoint[] {
  return runs
    .map((run) => ({ runId: run.runId, time: Date.parse(run.at), ...valueIn(tables.get(run.runId), pick) }))
    .sort((a, b) => a.time - b.time || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
}
