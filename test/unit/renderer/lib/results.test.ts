import { describe, expect, it } from 'vitest';
import {
  barSeries,
  columnNames,
  compareCells,
  defaultValueColumn,
  histogram,
  isNumericColumn,
  numericValues,
  parseDelimited,
  parseNumber,
  sortRows,
} from '../../../../src/renderer/src/lib/results.ts';

describe('parseDelimited', () => {
  it('reads map/reduce output: key<TAB>value lines, no header', () => {
    const table = parseDelimited('Firefox\t120\nChrome\t80\r\n\nSafari\t7\n');
    expect(table).toEqual({
      columns: ['key', 'value'],
      rows: [
        ['Firefox', '120'],
        ['Chrome', '80'],
        ['Safari', '7'],
      ],
      truncated: false,
      totalRows: 3,
    });
  });

  it('names extra columns "value 2", "value 3" and pads short rows', () => {
    const table = parseDelimited('a\t1\t2\t3\nb\t4\nc\n');
    expect(table.columns).toEqual(['key', 'value', 'value 2', 'value 3']);
    expect(table.rows).toEqual([
      ['a', '1', '2', '3'],
      ['b', '4', '', ''],
      ['c', '', '', ''],
    ]);
    expect(columnNames(1)).toEqual(['key']);
  });

  it('takes tab output literally: quotes are data', () => {
    const table = parseDelimited('"quoted"\t{"a": 1}\n');
    expect(table.rows).toEqual([['"quoted"', '{"a": 1}']]);
  });

  it('reads CSV with RFC 4180 quoting when asked', () => {
    const csv = 'name,comment,n\r\n"Smith, J.","said ""hi""\nthen left",3\r\nplain,,4\r\n"",x,\r\n';
    const table = parseDelimited(csv, { separator: ',' });
    expect(table.columns).toEqual(['key', 'value', 'value 2']);
    expect(table.rows).toEqual([
      ['name', 'comment', 'n'],
      ['Smith, J.', 'said "hi"\nthen left', '3'],
      ['plain', '', '4'],
      ['', 'x', ''],
    ]);
    expect(parseDelimited(csv, { separator: ',', header: true }).columns).toEqual(['name', 'comment', 'n']);
  });

  it('tolerates an unterminated quote and a missing final newline', () => {
    expect(parseDelimited('a,"open field', { separator: ',' }).rows).toEqual([['a', 'open field']]);
    expect(parseDelimited('x,1', { separator: ',' }).rows).toEqual([['x', '1']]);
  });

  it('strips a byte-order mark', () => {
    expect(parseDelimited('\ufeffk\tv\n').rows).toEqual([['k', 'v']]);
  });

  it('keeps at most maxRows and says so', () => {
    const text = Array.from({ length: 10 }, (_, i) => `k${i}\t${i}`).join('\n');
    const table = parseDelimited(text, { maxRows: 4 });
    expect(table.rows).toHaveLength(4);
    expect(table.truncated).toBe(true);
    expect(table.totalRows).toBe(10);
    const csv = parseDelimited(text.replaceAll('\t', ','), { separator: ',', maxRows: 4, header: true });
    expect(csv.columns).toEqual(['k0', '0']);
    expect(csv.rows[0]).toEqual(['k1', '1']);
    expect(csv.totalRows).toBe(9);
    expect(csv.truncated).toBe(true);
    expect(parseDelimited(text).truncated).toBe(false);
  });

  it('returns an empty table for empty text', () => {
    expect(parseDelimited('')).toEqual({ columns: [], rows: [], truncated: false, totalRows: 0 });
  });
});

describe('sorting', () => {
  it('parses numbers, not text that merely starts with digits', () => {
    expect(parseNumber('42')).toBe(42);
    expect(parseNumber(' -3.5 ')).toBe(-3.5);
    expect(parseNumber('1e3')).toBe(1000);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('12px')).toBeUndefined();
    expect(parseNumber('')).toBeUndefined();
    expect(parseNumber('0x10')).toBeUndefined();
  });

  it('compares numbers as numbers, before text; text by locale with digit runs as numbers', () => {
    expect(compareCells('9', '10')).toBeLessThan(0);
    expect(compareCells('-1', '0.5')).toBeLessThan(0);
    expect(compareCells('100', 'apple')).toBeLessThan(0);
    expect(compareCells('run 2', 'run 10')).toBeLessThan(0);
    expect(compareCells('apple', 'Banana')).toBeLessThan(0);
    expect(compareCells('', 'a')).toBeGreaterThan(0);
    expect(compareCells('3', '3.0')).toBe(0);
  });

  it('sorts rows ascending and descending, stable, numbers first and blanks last either way', () => {
    const rows = [
      ['a', '10'],
      ['b', '9'],
      ['c', ''],
      ['d', 'n/a'],
      ['e', '100'],
      ['f', '9'],
    ];
    expect(sortRows(rows, 1, 'ascending').map((r) => r[0])).toEqual(['b', 'f', 'a', 'e', 'd', 'c']);
    expect(sortRows(rows, 1, 'descending').map((r) => r[0])).toEqual(['e', 'a', 'b', 'f', 'd', 'c']);
    expect(rows[0]![0]).toBe('a'); // not sorted in place
  });

  it('recognises numeric columns', () => {
    const rows = [
      ['x', '1'],
      ['y', '2.5'],
      ['z', ''],
    ];
    expect(isNumericColumn(rows, 1)).toBe(true);
    expect(isNumericColumn(rows, 0)).toBe(false);
    expect(defaultValueColumn({ columns: ['key', 'value'], rows, truncated: false, totalRows: 3 })).toBe(1);
  });
});

describe('chart series', () => {
  const table = parseDelimited(
    Array.from({ length: 50 }, (_, i) => `key${i}\t${i % 2 ? i : `${i}.5`}`).join('\n') + '\nbad\tn/a\n',
  );

  it('takes the top values for a bar chart', () => {
    const series = barSeries(table, 0, 1, 30);
    expect(series.values).toHaveLength(30);
    expect(series.labels[0]).toBe('key49');
    expect(series.values[0]).toBe(49);
    expect(series.values[1]).toBe(48.5);
    expect([...series.values].sort((a, b) => b - a)).toEqual(series.values);
    expect(numericValues(table, 1)).toHaveLength(50);
  });

  it('bins values into about 20 round bins covering every value', () => {
    const values = Array.from({ length: 1000 }, (_, i) => (i * 37) % 1000 / 10); // 0 … 99.9
    const h = histogram(values, 20);
    expect(h.counts.length).toBeGreaterThanOrEqual(10);
    expect(h.counts.length).toBeLessThanOrEqual(25);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.edges[0]).toBeLessThanOrEqual(0);
    expect(h.edges[h.edges.length - 1]).toBeGreaterThan(99.9);
    expect(h.labels[0]).toBe('0 – 5');
  });

  it('gives integer data integer bins and handles a single value', () => {
    const h = histogram([1, 2, 2, 3, 3, 3], 20);
    expect(h.labels).toEqual(['1', '2', '3']);
    expect(h.counts).toEqual([1, 2, 3]);
    expect(histogram([5, 5, 5])).toEqual({ edges: [5, 5], counts: [3], labels: ['5'] });
    expect(histogram([])).toEqual({ edges: [], counts: [], labels: [] });
  });
});
