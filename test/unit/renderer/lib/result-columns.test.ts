import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bucketSeries,
  chartKinds,
  columnKinds,
  defaultChart,
  formatDate,
  groupsOf,
  parseDate,
  parseHistogramCell,
  planFor,
  readResult,
  timeSeries,
  timeStep,
} from '../../../../src/renderer/src/lib/result-columns.ts';
import { parseDelimited, type ParsedTable } from '../../../../src/renderer/src/lib/results.ts';

const EXAMPLES = resolve('resources/examples');
const WORKER = resolve('resources/worker');
const OUTPUT_FILES: Record<string, string> = {
  'os-distribution': 'os-distribution.txt',
  'submissions-per-day': 'submissions-per-day.txt',
  slowsql: 'slowsql.csv',
  'histogram-aggregation': 'histogram-aggregation.txt',
};

let tmp: string;
const outputs = new Map<string, { name: string; text: string }>();

// Every example's real output: sample data from the generator, each job run by the runner with the
// arguments its run.sh passes, on two reducers so that each output holds its header line twice.
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'result-columns-'));
  const data = join(tmp, 'data');
  execFileSync('python3', [join(EXAMPLES, 'generate_sample_data.py'), '--out', data, '--records', '800', '--seed', '5'], { stdio: 'ignore' });
  for (const [example, file] of Object.entries(OUTPUT_FILES)) {
    const output = join(tmp, 'out', file);
    const dir = join(EXAMPLES, example);
    execFileSync(
      'python3',
      ['-m', 'mapreduce.job', join(dir, 'job.py'), '--input-filter', join(dir, 'filter.json'), '--data-dir', data, '--output', output, '--num-mappers', '2', '--num-reducers', '2', '--local-only'],
      { cwd: WORKER, stdio: 'ignore' },
    );
    outputs.set(example, { name: file, text: readFileSync(output, 'utf8') });
  }
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function exampleTable(example: string): ParsedTable {
  const { name, text } = outputs.get(example)!;
  return readResult(name, text);
}

/** The output's data lines, counted apart from the parser: lines not starting with the header mark. */
function dataLines(example: string): number {
  return outputs.get(example)!.text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
}

describe('the examples name their columns and chart as their data says', () => {
  it('os-distribution: OS and count, a bar chart of count by OS', () => {
    const table = exampleTable('os-distribution');
    expect(table.columns).toEqual(['OS', 'count']);
    expect(table.totalRows).toBe(dataLines('os-distribution'));
    expect(table.rows.map((r) => r[0])).not.toContain('#OS');
    const kinds = columnKinds(table);
    expect(kinds).toEqual(['text', 'number']);
    expect(defaultChart(table, kinds)).toEqual({ kind: 'bar', labelColumn: 0, valueColumn: 1 });
    expect(chartKinds(table, kinds)).toEqual(['bar', 'histogram']);
  });

  it('submissions-per-day: yyyymmdd dates over a time axis', () => {
    const table = exampleTable('submissions-per-day');
    expect(table.columns).toEqual(['submission_date', 'submissions']);
    expect(table.totalRows).toBe(7);
    const kinds = columnKinds(table);
    expect(kinds).toEqual(['date', 'number']);
    const plan = defaultChart(table, kinds)!;
    expect(plan).toEqual({ kind: 'time', labelColumn: 0, valueColumn: 1 });
    const series = timeSeries(table, 0, 1);
    expect(series.times.map(formatDate)).toEqual(['2014-07-01', '2014-07-02', '2014-07-03', '2014-07-04', '2014-07-05', '2014-07-06', '2014-07-07']);
    const byDate = new Map(table.rows.map((r) => [r[0], Number(r[1])]));
    expect(series.values).toEqual(['20140701', '20140702', '20140703', '20140704', '20140705', '20140706', '20140707'].map((d) => byDate.get(d)));
    expect(timeStep(series.times)).toBe(86_400_000);
  });

  it('slowsql: six named CSV columns, the query names the bars', () => {
    const table = exampleTable('slowsql');
    expect(table.columns).toEqual(['thread', 'query', 'submissions', 'invocations', 'total_ms', 'mean_ms']);
    expect(table.totalRows).toBe(dataLines('slowsql'));
    expect(table.rows.some((r) => r[1]!.includes(','))).toBe(true);
    expect(table.rows.every((r) => r.length === 6)).toBe(true);
    const kinds = columnKinds(table);
    expect(kinds).toEqual(['text', 'text', 'number', 'number', 'number', 'number']);
    expect(defaultChart(table, kinds)).toEqual({ kind: 'bar', labelColumn: 1, valueColumn: 2 });
  });

  it('histogram-aggregation: a JSON histogram column, charted as the buckets of one histogram', () => {
    const table = exampleTable('histogram-aggregation');
    expect(table.columns).toEqual(['histogram', 'totals']);
    expect(table.totalRows).toBe(dataLines('histogram-aggregation'));
    const kinds = columnKinds(table);
    expect(kinds).toEqual(['text', 'histogram']);
    const plan = defaultChart(table, kinds)!;
    expect(plan).toEqual({ kind: 'buckets', valueColumn: 1, groupColumn: 0 });
    expect(groupsOf(table, plan)).toEqual(table.rows.map((r) => r[0]));
    const row = table.rows[3]!;
    const written = (JSON.parse(row[1]!) as { buckets: number[] }).buckets;
    const series = bucketSeries(table, { ...plan, group: row[0]! });
    expect(series.values).toEqual(written);
    expect(series.labels).toEqual(written.map((_, i) => String(i)));
    expect(series.values.some((v) => v > 0)).toBe(true);
  });
});

describe('parseDelimited with a marked header', () => {
  it('takes a first line starting with # as the names and drops its repeats, counted or not', () => {
    const text = '#name\tn\na\t1\nb\t2\n#name\tn\nc\t3\n#name\tn\nd\t4\n';
    expect(parseDelimited(text, { header: 'marked' })).toEqual({
      columns: ['name', 'n'],
      rows: [
        ['a', '1'],
        ['b', '2'],
        ['c', '3'],
        ['d', '4'],
      ],
      truncated: false,
      totalRows: 4,
    });
    const kept = parseDelimited(text, { header: 'marked', maxRows: 1 });
    expect(kept).toMatchObject({ rows: [['a', '1']], totalRows: 4, truncated: true });
  });

  it('leaves a first line without the mark as data, and # lines later on as data', () => {
    expect(parseDelimited('a\t1\n#b\t2\n', { header: 'marked' })).toMatchObject({ columns: ['key', 'value'], totalRows: 2 });
  });

  it('reads a CSV header, quoting and all', () => {
    const table = parseDelimited('# thread,"a, b"\nx,1\n', { separator: ',', header: 'marked' });
    expect(table.columns).toEqual(['thread', 'a, b']);
    expect(table.rows).toEqual([['x', '1']]);
  });
});

describe('detection', () => {
  it('reads dates: yyyymmdd, yyyy-mm-dd, ISO times; not impossible days or other numbers', () => {
    expect(parseDate('20140701')).toBe(Date.UTC(2014, 6, 1));
    expect(parseDate('2014-07-01')).toBe(Date.UTC(2014, 6, 1));
    expect(parseDate('2014-07-01T12:30:00Z')).toBe(Date.UTC(2014, 6, 1, 12, 30));
    expect(parseDate('2014-07-01 12:30')).toBe(Date.UTC(2014, 6, 1, 12, 30));
    for (const cell of ['20140231', '20141301', '12345678', '527', '2014070', 'July 1']) expect(parseDate(cell)).toBeUndefined();
    expect(formatDate(Date.UTC(2014, 6, 1, 12, 30))).toBe('2014-07-01 12:30');
  });

  it('reads a histogram as an array, an object of bucket → count, or a summary holding one', () => {
    expect(parseHistogramCell('[3, 0, 5]')).toEqual({ labels: ['0', '1', '2'], counts: [3, 0, 5] });
    expect(parseHistogramCell('{"10": 2, "2": 7, "1": 1}')).toEqual({ labels: ['1', '2', '10'], counts: [1, 7, 2] });
    expect(parseHistogramCell('{"n": 4, "values": {"a": 1, "b": 3}}')).toEqual({ labels: ['a', 'b'], counts: [1, 3] });
    for (const cell of ['[]', '["a"]', '{"a": "x"}', '{', 'text', '42']) expect(parseHistogramCell(cell)).toBeUndefined();
  });

  it('charts bucket/count lines as bars in bucket order, one histogram at a time', () => {
    const lines = readResult('h.txt', 'A\t10\t4\nA\t2\t1\nB\t0\t9\nA\t0\t3\n');
    const kinds = columnKinds(lines);
    expect(kinds).toEqual(['text', 'number', 'number']);
    const plan = defaultChart(lines, kinds)!;
    expect(plan).toEqual({ kind: 'buckets', groupColumn: 0, labelColumn: 1, valueColumn: 2 });
    expect(bucketSeries(lines, plan)).toEqual({ labels: ['0', '2', '10'], values: [3, 1, 4] });
    expect(bucketSeries(lines, { ...plan, group: 'B' })).toEqual({ labels: ['0'], values: [9] });

    const plain = readResult('h.txt', '#bucket\tcount\n5\t1\n0\t2\n');
    expect(defaultChart(plain, columnKinds(plain))).toEqual({ kind: 'buckets', labelColumn: 0, valueColumn: 1 });
    expect(bucketSeries(plain, planFor(plain, columnKinds(plain), 'buckets')!)).toEqual({ labels: ['0', '5'], values: [2, 1] });
  });

  it('offers no chart for text alone', () => {
    const table = readResult('t.txt', 'a\tb\nc\td\n');
    expect(chartKinds(table, columnKinds(table))).toEqual([]);
    expect(defaultChart(table, columnKinds(table))).toBeUndefined();
  });
});
