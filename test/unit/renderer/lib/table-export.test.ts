import { describe, expect, it } from 'vitest';
import { csvFileName, toCsv, toTsv } from '../../../../src/renderer/src/lib/table-export.ts';
import { parseDelimited } from '../../../../src/renderer/src/lib/results.ts';

const columns = ['query', 'n'];
const rows = [
  ['SELECT a, b FROM t', '3'],
  ['say "hi"', '1'],
  ['two\nlines', '2'],
  ['tab\there', ''],
  ['plain', '7'],
];

describe('toCsv', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says, CRLF after each record', () => {
    expect(toCsv(columns, rows)).toBe(
      'query,n\r\n"SELECT a, b FROM t",3\r\n"say ""hi""",1\r\n"two\nlines",2\r\ntab\there,\r\nplain,7\r\n',
    );
  });

  it('reads back as the same table', () => {
    const back = parseDelimited(toCsv(columns, rows), { separator: ',', header: true });
    expect(back.columns).toEqual(columns);
    expect(back.rows).toEqual(rows);
  });
});

describe('toTsv', () => {
  it('joins with tabs, quoting only cells a spreadsheet would split', () => {
    expect(toTsv(columns, rows)).toBe('query\tn\nSELECT a, b FROM t\t3\n"say ""hi"""\t1\n"two\nlines"\t2\n"tab\there"\t\nplain\t7\n');
  });
});

describe('csvFileName', () => {
  it('names the export after the result file', () => {
    expect(csvFileName('histogram-aggregation.txt')).toBe('histogram-aggregation.csv');
    expect(csvFileName('slowsql.csv')).toBe('slowsql.csv');
    expect(csvFileName('sub/dir/out')).toBe('out.csv');
    expect(csvFileName('')).toBe('result.csv');
  });
});
