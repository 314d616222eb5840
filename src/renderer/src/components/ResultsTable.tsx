import { useMemo, useState } from 'react';
import { isNumericColumn, sortRows, type ParsedTable, type SortDirection } from '../lib/results.ts';
import { csvFileName, downloadText, toCsv, toTsv } from '../lib/table-export.ts';
import { copyText } from '../lib/clipboard.ts';
import { errorMessage } from '../lib/errors.ts';
import { plural } from '../lib/format.ts';
import './components.css';

export interface ResultsTableProps {
  /** From parseDelimited. */
  table: ParsedTable;
  /** A visible caption naming the table (also its accessible name). */
  caption?: string;
  /** Rows rendered at most; default 1000. Sorting covers every loaded row. */
  maxRows?: number;
  /** The file the table was read from: the CSV export is named after it. Default "result". */
  fileName?: string;
  /** Only the start of the file was read: exports say they hold the loaded rows only. */
  partial?: boolean;
}

interface SortState {
  column: number;
  direction: SortDirection;
}

/** A table of job output; click a column header to sort by it (numbers as numbers), again to reverse. */
export function ResultsTable({ table, caption, maxRows = 1000, fileName = 'result', partial = false }: ResultsTableProps) {
  const [sort, setSort] = useState<SortState>();
  const [exported, setExported] = useState<{ text: string; failed?: boolean }>();
  const numeric = useMemo(() => table.columns.map((_, column) => isNumericColumn(table.rows, column)), [table]);
  const sorted = useMemo(
    () => (sort && sort.column < table.columns.length ? sortRows(table.rows, sort.column, sort.direction) : table.rows),
    [table, sort],
  );
  const limit = Math.max(0, Math.floor(maxRows));
  const shown = sorted.length > limit ? sorted.slice(0, limit) : sorted;

  const toggle = (column: number) =>
    setSort((previous) =>
      previous?.column === column
        ? { column, direction: previous.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    );

  if (table.columns.length === 0) return <p className="results-note">No rows.</p>;

  // Exports hold every loaded row in the order shown, the column names first.
  const what = `${plural(sorted.length, 'row')}${partial || table.truncated ? ' (the loaded start of the output)' : ''}`;
  const exportCsv = () => {
    const name = csvFileName(fileName);
    downloadText(name, toCsv(table.columns, sorted));
    setExported({ text: `Saved ${what} as ${name}.` });
  };
  const copyTsv = () =>
    copyText(toTsv(table.columns, sorted)).then(
      () => setExported({ text: `Copied ${what} as TSV.` }),
      (err: unknown) => setExported({ text: `Could not copy: ${errorMessage(err)}`, failed: true }),
    );

  const notes: string[] = [];
  if (table.totalRows > shown.length) {
    notes.push(`Showing ${shown.length.toLocaleString('en')} of ${plural(table.totalRows, 'row')}.`);
  }
  if (table.truncated) {
    notes.push(`Only the first ${plural(table.rows.length, 'row')} ${table.rows.length === 1 ? 'was' : 'were'} loaded; sorting covers ${table.rows.length === 1 ? 'it' : 'those'}.`);
  }

  return (
    <div className="results-table-view">
      <div className="results-export row">
        <button type="button" onClick={exportCsv}>
          Export CSV
        </button>
        <button type="button" onClick={() => void copyTsv()}>
          Copy as TSV
        </button>
        <span className={exported?.failed ? 'error small' : 'muted small'} role="status">
          {exported?.text}
        </span>
      </div>
      <div className="results-table-wrap">
        <table className="results-table">
          {caption && <caption>{caption}</caption>}
          <thead>
            <tr>
              {table.columns.map((name, column) => {
                const direction = sort?.column === column ? sort.direction : undefined;
                return (
                  <th
                    key={column}
                    scope="col"
                    aria-sort={direction ?? 'none'}
                    className={numeric[column] ? 'numeric' : undefined}
                  >
                    <button type="button" onClick={() => toggle(column)} title={`Sort by ${name}`}>
                      <span>{name}</span>
                      <span className="sort-indicator" aria-hidden="true">
                        {direction === 'ascending' ? '▲' : direction === 'descending' ? '▼' : ''}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {shown.map((row, index) => (
              <tr key={index}>
                {row.map((cell, column) => (
                  <td key={column} className={numeric[column] ? 'numeric' : undefined} title={cell.length > 40 ? cell : undefined}>
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {notes.length > 0 && (
        <p className="results-note" role="note">
          {notes.join(' ')}
        </p>
      )}
    </div>
  );
}
