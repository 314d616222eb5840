/**
 * A result table as text for other programs: CSV for a file (RFC 4180), TSV for the clipboard
 * (what spreadsheets paste into cells). Pure, except downloadText.
 */

function csvField(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/**
 * RFC 4180 CSV: a header record of the column names, then the rows; a field holding a comma,
 * double quote or line break is quoted, its quotes doubled; records end with CRLF.
 */
export function toCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [columns, ...rows].map((record) => record.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function tsvField(cell: string): string {
  // Spreadsheets read a quoted cell as one cell, tabs and line breaks included (as they copy it).
  return /["\t\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Tab-separated lines, the column names first, as spreadsheets paste them. */
export function toTsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [columns, ...rows].map((record) => record.map(tsvField).join('\t'));
  return `${lines.join('\n')}\n`;
}

/** `histogram-aggregation.txt` → `histogram-aggregation.csv`. */
export function csvFileName(name: string): string {
  const base = name.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return `${base || 'result'}.csv`;
}

/** Saves `text` as a file the browser downloads (Electron asks where). */
export function downloadText(fileName: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has taken the blob once click() returns; revoking later keeps slow hosts safe.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
