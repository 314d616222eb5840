/**
 * What a job's output holds, column by column, and the chart that fits it. Pure: no DOM.
 *
 * A column is a number, a date (`yyyymmdd` as the telemetry layout writes submission dates,
 * `yyyy-mm-dd`, or an ISO 8601 date and time), a histogram written as JSON (an array of counts, an
 * object of bucket → count, or an object holding one of those, as in `{"buckets": [...], "sum": 3}`)
 * or text. A histogram may also be written as lines: a numeric bucket column and a count column,
 * optionally after a column naming the histogram.
 */

import { isNumericColumn, parseDelimited, parseNumber, type ParsedTable, type Series } from './results.ts';

export type ColumnKind = 'number' | 'date' | 'histogram' | 'text';

/** The charts a result can be drawn as. */
export type ChartKind = 'bar' | 'time' | 'buckets' | 'histogram';

export interface ChartPlan {
  kind: ChartKind;
  /** bar: the column naming the bars; time: the date column; buckets: the bucket column (lines only). */
  labelColumn?: number;
  /** The plotted column: numeric, or for buckets a JSON histogram column or the count column. */
  valueColumn?: number;
  /** buckets: the column naming each histogram, when the result holds several. */
  groupColumn?: number;
  /** buckets: which histogram (a value of groupColumn); default the first row's. */
  group?: string;
}

/** A result file as a table: CSV when it is named or looks so, a `#` header line naming the columns. */
export function readResult(name: string, text: string, maxRows?: number): ParsedTable {
  return parseDelimited(text, { separator: separatorOf(name, text), header: 'marked', ...(maxRows !== undefined && { maxRows }) });
}

/** CSV when it says so or looks so (commas, no tabs); map/reduce's own output is tab-separated. */
export function separatorOf(name: string, text: string): string {
  const newline = text.indexOf('\n');
  const firstLine = newline < 0 ? text : text.slice(0, newline);
  return name.toLowerCase().endsWith('.csv') || (!firstLine.includes('\t') && firstLine.includes(',')) ? ',' : '\t';
}

// ---- dates --------------------------------------------------------------------------------------

const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The time a cell names, in ms since 1970 UTC: `20140701`, `2014-07-01`, `2014-07-01T12:30:00Z`
 * (a time without a zone is taken as UTC). Undefined for anything else, including impossible dates
 * (`20140231`) and years outside 1900–2199, so counts and ids of eight digits stay numbers.
 */
export function parseDate(cell: string): number | undefined {
  const text = cell.trim();
  const match = COMPACT_DATE.exec(text) ?? ISO_DATE.exec(text);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1900 || year > 2199 || month < 1 || month > 12 || day < 1) return undefined;
  const midnight = Date.UTC(year, month - 1, day);
  if (new Date(midnight).getUTCDate() !== day) return undefined;
  if (match[4] === undefined) return midnight;
  const parsed = Date.parse(match[8] === undefined ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T'));
  return Number.isFinite(parsed) ? parsed : undefined;
}

const DAY_MS = 86_400_000;

/** `2014-07-01`, or `2014-07-01 12:30` when the time is not midnight UTC. */
export function formatDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return ms % DAY_MS === 0 ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

// ---- histograms written as JSON -----------------------------------------------------------------

export interface Buckets {
  labels: string[];
  counts: number[];
}

/** Member names that hold the counts inside a summary object, in order of preference. */
const BUCKET_MEMBERS = ['buckets', 'histogram', 'counts', 'values'];

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** An array of counts, or an object of bucket → count (numeric buckets in numeric order). */
function bucketsOf(value: unknown): Buckets | undefined {
  if (Array.isArray(value)) {
    if (value.length === 0 || !value.every(isCount)) return undefined;
    return { labels: value.map((_, i) => String(i)), counts: value };
  }
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Object.entries(value);
  if (entries.length === 0 || !entries.every(([, count]) => isCount(count))) return undefined;
  if (entries.every(([bucket]) => parseNumber(bucket) !== undefined)) entries.sort((a, b) => Number(a[0]) - Number(b[0]));
  return { labels: entries.map(([bucket]) => bucket), counts: entries.map(([, count]) => count as number) };
}

/**
 * The histogram a cell holds as JSON: `[3, 5, 0]` (buckets by index), `{"0": 3, "10": 5}` (bucket →
 * count), or an object whose `buckets` (or `histogram`, `counts`, `values`, else first such) member
 * is one of those, beside other fields. Undefined for anything else.
 */
export function parseHistogramCell(cell: string): Buckets | undefined {
  const text = cell.trim();
  if (!(text.startsWith('[') || text.startsWith('{'))) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const direct = bucketsOf(value);
  if (direct || value === null || typeof value !== 'object' || Array.isArray(value)) return direct;
  const members = value as Record<string, unknown>;
  for (const name of BUCKET_MEMBERS) {
    const found = bucketsOf(members[name]);
    if (found) return found;
  }
  for (const member of Object.values(members)) {
    const found = bucketsOf(member);
    if (found) return found;
  }
  return undefined;
}

// ---- column kinds -------------------------------------------------------------------------------

/** Whether `test` holds for at least one and 90% of a column's non-blank cells (up to `sample` looked at). */
function mostly(rows: readonly string[][], column: number, test: (cell: string) => boolean, sample = 500): boolean {
  let hits = 0;
  let filled = 0;
  const step = Math.max(1, Math.floor(rows.length / sample));
  for (let i = 0; i < rows.length; i += step) {
    const cell = rows[i]![column] ?? '';
    if (cell.trim() === '') continue;
    filled++;
    if (test(cell)) hits++;
  }
  return hits > 0 && hits >= 0.9 * filled;
}

/** What one column holds; dates before numbers (`20140701` is both), histograms before text. */
export function columnKind(table: ParsedTable, column: number): ColumnKind {
  if (mostly(table.rows, column, (cell) => parseDate(cell) !== undefined)) return 'date';
  if (isNumericColumn(table.rows, column)) return 'number';
  if (mostly(table.rows, column, (cell) => parseHistogramCell(cell) !== undefined, 100)) return 'histogram';
  return 'text';
}

export function columnKinds(table: ParsedTable): ColumnKind[] {
  return table.columns.map((_, column) => columnKind(table, column));
}

// ---- choosing a chart ---------------------------------------------------------------------------

function distinctCount(table: ParsedTable, column: number): number {
  return new Set(table.rows.map((row) => row[column] ?? '')).size;
}

/** Histogram lines: a numeric bucket column followed by a numeric count column, perhaps after a name column. */
function bucketLines(table: ParsedTable, kinds: readonly ColumnKind[]): ChartPlan | undefined {
  if (kinds[0] === 'number' && kinds[1] === 'number') return { kind: 'buckets', labelColumn: 0, valueColumn: 1 };
  // name, bucket, count: several histograms, each over several lines.
  if (kinds[0] !== 'number' && kinds[1] === 'number' && kinds[2] === 'number' && distinctCount(table, 0) < table.rows.length) {
    return { kind: 'buckets', groupColumn: 0, labelColumn: 1, valueColumn: 2 };
  }
  return undefined;
}

/** The plan for one kind of chart over this table, or undefined when the table cannot be drawn so. */
export function planFor(table: ParsedTable, kinds: readonly ColumnKind[], kind: ChartKind): ChartPlan | undefined {
  const numeric = kinds.flatMap((k, i) => (k === 'number' ? [i] : []));
  switch (kind) {
    case 'buckets': {
      const json = kinds.indexOf('histogram');
      if (json >= 0) {
        const group = kinds.findIndex((k, i) => i !== json && k !== 'histogram');
        return { kind, valueColumn: json, ...(group >= 0 && { groupColumn: group }) };
      }
      return bucketLines(table, kinds);
    }
    case 'time': {
      const date = kinds.indexOf('date');
      const value = numeric[0];
      return date >= 0 && value !== undefined ? { kind, labelColumn: date, valueColumn: value } : undefined;
    }
    case 'bar':
    case 'histogram': {
      if (numeric.length === 0) return undefined;
      // The bars are named by the text column that tells rows apart best (a query rather than its thread).
      let label = 0;
      let best = -1;
      kinds.forEach((k, i) => {
        if (k === 'number' || k === 'histogram') return;
        const distinct = distinctCount(table, i);
        if (distinct > best) {
          best = distinct;
          label = i;
        }
      });
      const value = numeric.find((i) => i !== label) ?? numeric[0]!;
      return { kind, labelColumn: label, valueColumn: value };
    }
  }
}

const PREFERENCE: ChartKind[] = ['buckets', 'time', 'bar', 'histogram'];

/** The kinds of chart this table can be drawn as, the best fitting first. */
export function chartKinds(table: ParsedTable, kinds: readonly ColumnKind[]): ChartKind[] {
  return PREFERENCE.filter((kind) => planFor(table, kinds, kind) !== undefined);
}

/** The chart that fits the table best: a histogram's buckets, a value over time, else the top values. */
export function defaultChart(table: ParsedTable, kinds: readonly ColumnKind[]): ChartPlan | undefined {
  const kind = chartKinds(table, kinds)[0];
  return kind && planFor(table, kinds, kind);
}

// ---- series -------------------------------------------------------------------------------------

/** The histograms a bucket chart can show: the distinct values of its group column, in row order. */
export function groupsOf(table: ParsedTable, plan: ChartPlan): string[] {
  if (plan.groupColumn === undefined) return [];
  return [...new Set(table.rows.map((row) => row[plan.groupColumn!] ?? ''))];
}

/**
 * One histogram's buckets: from the JSON of the rows of its group (summed bucket by bucket when it
 * has several), or from its bucket and count lines in bucket order.
 */
export function bucketSeries(table: ParsedTable, plan: ChartPlan): Series {
  const group = plan.groupColumn === undefined ? undefined : (plan.group ?? table.rows[0]?.[plan.groupColumn]);
  const rows = group === undefined ? table.rows : table.rows.filter((row) => row[plan.groupColumn!] === group);
  const totals = new Map<string, number>();
  const add = (label: string, count: number) => totals.set(label, (totals.get(label) ?? 0) + count);
  if (plan.valueColumn === undefined) return { labels: [], values: [] };
  if (plan.labelColumn === undefined) {
    for (const row of rows) {
      const buckets = parseHistogramCell(row[plan.valueColumn] ?? '');
      buckets?.labels.forEach((label, i) => add(label, buckets.counts[i]!));
    }
  } else {
    for (const row of rows) {
      const bucket = row[plan.labelColumn] ?? '';
      const count = parseNumber(row[plan.valueColumn] ?? '');
      if (parseNumber(bucket) !== undefined && count !== undefined) add(bucket.trim(), count);
    }
  }
  const entries = [...totals];
  if (entries.every(([label]) => parseNumber(label) !== undefined)) entries.sort((a, b) => Number(a[0]) - Number(b[0]));
  return { labels: entries.map(([label]) => label), values: entries.map(([, count]) => count) };
}

export interface TimeSeries {
  /** ms since 1970 UTC, ascending. */
  times: number[];
  values: number[];
}

/** A value over time: one point a date (values of rows on the same date summed), in date order. */
export function timeSeries(table: ParsedTable, dateColumn: number, valueColumn: number): TimeSeries {
  const totals = new Map<number, number>();
  for (const row of table.rows) {
    const time = parseDate(row[dateColumn] ?? '');
    const value = parseNumber(row[valueColumn] ?? '');
    if (time !== undefined && value !== undefined) totals.set(time, (totals.get(time) ?? 0) + value);
  }
  const times = [...totals.keys()].sort((a, b) => a - b);
  return { times, values: times.map((t) => totals.get(t)!) };
}

const STEP_DAYS = [1, 2, 7, 14, 28, 91, 182, 364];

/** A tick step for a time axis: whole days, weeks or months, about `target` ticks over the span. */
export function timeStep(times: readonly number[], target = 10): number | undefined {
  if (times.length < 2) return undefined;
  const span = times[times.length - 1]! - times[0]!;
  if (span < DAY_MS || times.some((t) => t % DAY_MS !== 0)) return undefined;
  const days = STEP_DAYS.find((d) => span / (d * DAY_MS) <= target) ?? Math.ceil(span / DAY_MS / target);
  return days * DAY_MS;
}
