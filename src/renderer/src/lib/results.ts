/**
 * Job output as a table: parsing delimited text, numeric-aware sorting, and the series the result
 * chart draws. Pure: no DOM.
 *
 * Map/reduce output is `key<TAB>value` lines with no header, so the first line is data unless asked
 * otherwise, and columns are named "key", "value", "value 2", … CSV (RFC 4180 quoting) on request.
 * A job may name its columns with a marked header (`header: 'marked'`): a first line starting with
 * `#`, e.g. `#OS<TAB>count`. Each reducer of a job writes that line, so later lines identical to it
 * are repeats and are dropped.
 */

export interface ParsedTable {
  columns: string[];
  /** Every row has columns.length cells (missing cells are ''). */
  rows: string[][];
  /** More data rows exist than were kept (maxRows). */
  truncated: boolean;
  /** Data rows in the text, kept or not. */
  totalRows: number;
}

export interface ParseOptions {
  /** Field separator; default tab. */
  separator?: string;
  /** Keep at most this many data rows; the rest are counted in totalRows. */
  maxRows?: number;
  /** Honour RFC 4180 double quotes. Default: on for any separator but tab (tab output is taken literally). */
  quoted?: boolean;
  /**
   * true: the first record names the columns. 'marked': it does when its first field starts with
   * `#` (the mark is not part of the name), and later records identical to it are dropped. Default false.
   */
  header?: boolean | 'marked';
}

/** The mark that starts a header line in job output. */
export const HEADER_MARK = '#';

/** "key", "value", "value 2", "value 3", … */
export function columnNames(count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) names.push(i === 0 ? 'key' : i === 1 ? 'value' : `value ${i}`);
  return names;
}

/** RFC 4180 records: quoted fields may hold separators, doubled quotes and line breaks. */
function eachQuotedRecord(text: string, separator: string, onRecord: (fields: string[]) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = '';
      if (text.charCodeAt(i) === 34) {
        blank = false;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            field += text.slice(i);
            i = n;
            break;
          }
          field += text.slice(i, q);
          if (text.charCodeAt(q + 1) === 34) {
            field += '"';
            i = q + 2;
          } else {
            i = q + 1;
            break;
          }
        }
      }
      // Unquoted text (or, leniently, text after a closing quote) up to the separator or line end.
      let j = i;
      while (j < n && !text.startsWith(separator, j) && text.charCodeAt(j) !== 10) j++;
      let piece = text.slice(i, j);
      if (j < n && text.charCodeAt(j) === 10 && piece.endsWith('\r')) piece = piece.slice(0, -1);
      else if (j >= n && piece.endsWith('\r')) piece = piece.slice(0, -1);
      if (piece !== '') blank = false;
      field += piece;
      fields.push(field);
      i = j;
      if (i < n && text.startsWith(separator, i)) {
        blank = false;
        i += separator.length;
        continue;
      }
      i++; // past the newline (or the end)
      break;
    }
    if (!blank) onRecord(fields);
  }
}

export function parseDelimited(text: string, options: ParseOptions = {}): ParsedTable {
  const separator = options.separator === undefined || options.separator === '' ? '\t' : options.separator;
  const quoted = options.quoted ?? separator !== '\t';
  const maxRows = options.maxRows === undefined ? Infinity : Math.max(0, Math.floor(options.maxRows));
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const marked = options.header === 'marked';
  let header: string[] | undefined;
  /** A marked header's record as written (fields joined by NUL), to recognise its repeats. */
  let headerRecord: string | undefined;
  /** Its length as a line of unquoted text. */
  let headerLength = -1;
  let headerFirst: string | undefined;
  let first = true;
  const rows: string[][] = [];
  let totalRows = 0;
  let width = 0;
  const take = (fields: string[]) => {
    const isFirst = first;
    first = false;
    if (isFirst && options.header === true) {
      header = fields;
      return;
    }
    if (marked) {
      if (isFirst && fields[0]!.trimStart().startsWith(HEADER_MARK)) {
        headerRecord = fields.join('\0');
        headerFirst = fields[0];
        headerLength = headerRecord.length + (fields.length - 1) * (separator.length - 1);
        header = [fields[0]!.trimStart().slice(HEADER_MARK.length), ...fields.slice(1)];
        return;
      }
      // Cheap tests first: most rows differ from the header in their first field.
      if (headerRecord !== undefined && fields[0] === headerFirst && fields.join('\0') === headerRecord) return;
    }
    totalRows++;
    if (rows.length < maxRows) {
      rows.push(fields);
      if (fields.length > width) width = fields.length;
    }
  };
  if (quoted) eachQuotedRecord(body, separator, take);
  else {
    let start = 0;
    while (start < body.length) {
      let end = body.indexOf('\n', start);
      if (end < 0) end = body.length;
      const stop = end > start && body.charCodeAt(end - 1) === 13 ? end - 1 : end;
      if (stop > start) {
        if (rows.length < maxRows || first) take(body.slice(start, stop).split(separator));
        else if (headerRecord === undefined || stop - start !== headerLength || body.slice(start, stop).split(separator).join('\0') !== headerRecord) totalRows++;
      }
      start = end + 1;
    }
  }
  if (header) width = Math.max(width, header.length);
  const generated = columnNames(width);
  const columns = generated.map((name, i) => {
    const given = header?.[i]?.trim();
    return given ? given : name;
  });
  for (const row of rows) while (row.length < width) row.push('');
  return { columns, rows, truncated: totalRows > rows.length, totalRows };
}

// ---- numbers and sorting ------------------------------------------------------------------------

const NUMBER = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** The number a cell holds (`42`, `-3.5`, `1e6`, ` 7 `), or undefined for text and blanks. */
export function parseNumber(cell: string): number | undefined {
  if (!NUMBER.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

export type SortDirection = 'ascending' | 'descending';

const collator = new Intl.Collator(undefined, { numeric: true });

interface SortKey {
  /** 0 number, 1 text, 2 blank. */
  rank: number;
  num: number;
  text: string;
}

function sortKey(cell: string | undefined): SortKey {
  const text = cell ?? '';
  if (text.trim() === '') return { rank: 2, num: 0, text };
  const num = parseNumber(text);
  return num === undefined ? { rank: 1, num: 0, text } : { rank: 0, num, text };
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.rank === 0) return a.num - b.num;
  if (a.rank === 1) return collator.compare(a.text, b.text);
  return 0;
}

/**
 * Numeric-aware comparison of two cells: numbers by value, before text, which compares with the
 * locale (and digits inside text as numbers: "run 2" < "run 10"); blank cells last.
 */
export function compareCells(a: string, b: string): number {
  return compareKeys(sortKey(a), sortKey(b));
}

/**
 * A sorted copy of `rows` by `column`, stable. Numbers come first, then text, then blank cells, in
 * either direction: descending puts the largest numbers on top, not the odd "n/a".
 */
export function sortRows(rows: readonly string[][], column: number, direction: SortDirection): string[][] {
  const keyed = rows.map((row, index) => ({ row, index, key: sortKey(row[column]) }));
  const sign = direction === 'ascending' ? 1 : -1;
  keyed.sort((a, b) => {
    if (a.key.rank !== b.key.rank) return a.key.rank - b.key.rank;
    return sign * compareKeys(a.key, b.key) || a.index - b.index;
  });
  return keyed.map((item) => item.row);
}

/** Whether a column holds numbers: at least one, and at least 90% of its non-blank cells (sampled). */
export function isNumericColumn(rows: readonly string[][], column: number, sample = 2000): boolean {
  let numeric = 0;
  let filled = 0;
  const step = Math.max(1, Math.floor(rows.length / sample));
  for (let i = 0; i < rows.length; i += step) {
    const cell = rows[i]![column] ?? '';
    if (cell.trim() === '') continue;
    filled++;
    if (parseNumber(cell) !== undefined) numeric++;
  }
  return numeric > 0 && numeric >= 0.9 * filled;
}

/** The column a chart plots by default: the first numeric column after the key, else the key if numeric. */
export function defaultValueColumn(table: ParsedTable): number | undefined {
  for (let c = 1; c < table.columns.length; c++) if (isNumericColumn(table.rows, c)) return c;
  return table.columns.length > 0 && isNumericColumn(table.rows, 0) ? 0 : undefined;
}

// ---- chart series -------------------------------------------------------------------------------

export interface Series {
  labels: string[];
  values: number[];
}

/** The `limit` rows with the largest numeric value in `valueColumn`, largest first. */
export function barSeries(table: ParsedTable, labelColumn: number, valueColumn: number, limit = 30): Series {
  const points: Array<{ label: string; value: number }> = [];
  for (const row of table.rows) {
    const value = parseNumber(row[valueColumn] ?? '');
    if (value === undefined) continue;
    const label = row[labelColumn] ?? '';
    points.push({ label: label === '' ? '(blank)' : label, value });
  }
  points.sort((a, b) => b.value - a.value);
  const top = points.slice(0, Math.max(0, limit));
  return { labels: top.map((p) => p.label), values: top.map((p) => p.value) };
}

/** The numbers in a column (text and blanks skipped). */
export function numericValues(table: ParsedTable, column: number): number[] {
  const out: number[] = [];
  for (const row of table.rows) {
    const value = parseNumber(row[column] ?? '');
    if (value !== undefined) out.push(value);
  }
  return out;
}

export interface Histogram {
  /** Bin i holds values in [edges[i], edges[i + 1]); the last bin includes its upper edge. */
  edges: number[];
  counts: number[];
  labels: string[];
}

function niceStep(raw: number): number {
  const exponent = Math.floor(Math.log10(raw));
  const base = 10 ** exponent;
  const fraction = raw / base;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * base;
}

function formatEdge(value: number): string {
  return String(Number(value.toPrecision(10)));
}

/** About `target` bins of equal, round width covering the values (integer data gets integer widths). */
export function histogram(values: readonly number[], target = 20): Histogram {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { edges: [], counts: [], labels: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) return { edges: [min, max], counts: [finite.length], labels: [formatEdge(min)] };
  let step = niceStep((max - min) / Math.max(1, target));
  const integers = finite.every((v) => Number.isInteger(v));
  if (integers) step = Math.max(1, Math.round(step));
  const start = Math.floor(min / step) * step;
  const bins = Math.max(1, Math.floor((max - start) / step + 1e-9) + 1);
  const edges: number[] = [];
  for (let i = 0; i <= bins; i++) edges.push(start + i * step);
  const counts = new Array<number>(bins).fill(0);
  for (const v of finite) {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor((v - start) / step + 1e-9)));
    counts[bin]!++;
  }
  const labels = counts.map((_, i) =>
    integers && step === 1 ? formatEdge(edges[i]!) : `${formatEdge(edges[i]!)} – ${formatEdge(edges[i + 1]!)}`,
  );
  return { edges, counts, labels };
}
