import { describe, expect, it } from 'vitest';
import { readResult } from '../../../../../src/renderer/src/lib/result-columns.ts';
import { historySeries, valueIn } from '../../../../../src/renderer/src/views/results/history-series.ts';

const pick = { keyColumn: 'os', keyColumnIndex: 0, key: 'Linux', valueColumn: 'count', valueColumnIndex: 1 };

describe('one value across a job\'s runs', () => {
  it('is one point a run, oldest first, and a run whose output lacks the row, the column or a number is a gap that says why', () => {
    const runs = [
      { runId: 'r3', at: '2026-03-03T06:30:00Z' },
      { runId: 'r1', at: '2026-03-01T06:30:00Z' },
      { runId: 'r2', at: '2026-03-02T06:30:00Z' },
      { runId: 'r4', at: '2026-03-04T06:30:00Z' },
      { runId: 'r5', at: '2026-03-05T06:30:00Z' },
    ];
    const tables = new Map([
      ['r1', readResult('out.tsv', '# os\tcount\nLinux\t3\nWindows\t5\n')],
      ['r2', readResult('out.tsv', '# os\tcount\nWindows\t6\n')],
      ['r3', readResult('out.tsv', '# os\tcount\nLinux\t4.5\n')],
      ['r4', readResult('out.tsv', '# os\tcount\nLinux\tmany\n')],
    ]);
    expect(historySeries(runs, tables, pick).map((p) => [p.runId, p.value, p.missing])).toEqual([
      ['r1', 3, undefined],
      ['r2', undefined, 'no row Linux'],
      ['r3', 4.5, undefined],
      ['r4', undefined, 'not a number'],
      ['r5', undefined, 'no output here'],
    ]);
  });

  it('finds the columns by name when a later run wrote them in another order, else by position', () => {
    expect(valueIn(readResult('out.tsv', '# count\tos\n7\tLinux\n'), pick)).toEqual({ value: 7 });
    // No header: the columns are "key" and "value", taken by position.
    expect(valueIn(readResult('out.tsv', 'Linux\t8\n'), pick)).toEqual({ value: 8 });
    expect(valueIn(readResult('out.tsv', 'Linux\n'), pick)).toEqual({ value: undefined, missing: 'no such column' });
  });
});
