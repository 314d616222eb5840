import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { RemoteEntry } from '../../../../shared/worker-model.ts';
import { printable } from '../../../../shared/display-text.ts';
import { formatSize, sortEntries, type Sort, type SortKey } from './file-sort.ts';

export interface FileTableProps {
  path: string;
  entries: RemoteEntry[];
  /** The entries selected (highlighted; the first is scrolled to after a create or a rename). */
  selected: ReadonlySet<string>;
  onSelect: (names: Set<string>) => void;
  onOpen: (entry: RemoteEntry) => void;
  /** Resolves true when the rename went through (the field closes), false to keep editing. */
  onRename: (entry: RemoteEntry, newName: string) => Promise<boolean>;
  onDelete: (entry: RemoteEntry) => void;
  disabled: boolean;
}

const COLUMNS: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'size', label: 'Size', numeric: true },
  { key: 'modifiedAt', label: 'Modified' },
];


/**
 * A folder's entries: sortable by column (folders always first), double-click or Enter opens a
 * folder, F2 renames in place, Delete asks to delete. Click selects one entry, Ctrl/Cmd+click
 * adds or removes one, Shift+click (or Shift+arrow) selects a range, Ctrl/Cmd+A selects all.
 */
export function FileTable({ path, entries, selected, onSelect, onOpen, onRename, onDelete, disabled }: FileTableProps) {
  const [sort, setSort] = useState<Sort>({ key: 'name', descending: false });
  const [renaming, setRenaming] = useState<string>();
  const sorted = sortEntries(entries, sort);
  const body = useRef<HTMLTableSectionElement>(null);
  // Where a Shift range starts: the last entry clicked without Shift.
  const anchor = useRef<string | undefined>(undefined);
  const first = selected.values().next().value;

  // Bring the highlighted entry into view (after a create or a rename it may be far down).
  useEffect(() => {
    if (first === undefined) return;
    const row = body.current?.querySelector<HTMLTableRowElement>(`tr[data-name="${CSS.escape(first)}"]`);
    row?.scrollIntoView({ block: 'nearest' });
  }, [first, entries]);

  const choose = (name: string, how: { range: boolean; toggle: boolean }) => {
    if (how.range && anchor.current !== undefined) {
      const names = sorted.map((e) => e.name);
      const [from, to] = [names.indexOf(anchor.current), names.indexOf(name)].sort((a, b) => a - b);
      if (from !== undefined && from >= 0 && to !== undefined) {
        const next = new Set(how.toggle ? selected : []);
        for (const n of names.slice(from, to + 1)) next.add(n);
        return onSelect(next);
      }
    }
    anchor.current = name;
    if (how.toggle) {
      const next = new Set(selected);
      if (!next.delete(name)) next.add(name);
      return onSelect(next);
    }
    onSelect(new Set([name]));
  };
  const onRowClick = (event: MouseEvent, name: string) => choose(name, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey });

  const sortBy = (key: SortKey) => setSort((current) => ({ key, descending: current.key === key ? !current.descending : false }));

  const onRowKey = (event: KeyboardEvent<HTMLTableRowElement>, entry: RemoteEntry) => {
    if (event.target !== event.currentTarget || disabled) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      onOpen(entry);
    } else if (event.key === 'F2') {
      event.preventDefault();
      setRenaming(entry.name);
    } else if (event.key === 'Delete') {
      event.preventDefault();
      onDelete(entry);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const sibling = (event.key === 'ArrowDown' ? event.currentTarget.nextElementSibling : event.currentTarget.previousElementSibling) as HTMLElement | null;
      const name = sibling?.dataset['name'];
      if (!sibling || name === undefined) return;
      sibling.focus();
      choose(name, { range: event.shiftKey, toggle: false });
    } else if (event.key === ' ') {
      event.preventDefault();
      choose(entry.name, { range: event.shiftKey, toggle: true });
    } else if (event.key.toLowerCase() === 'a' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      onSelect(new Set(sorted.map((e) => e.name)));
    }
  };

  return (
    <div className="file-table-wrap">
      <table className="file-table" aria-label={`Files in ${path}`}>
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <th
                key={column.key}
                className={column.numeric ? 'numeric' : undefined}
                aria-sort={sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : 'none'}
              >
                <button type="button" onClick={() => sortBy(column.key)}>
                  {column.label}
                  <span className="sort-indicator" aria-hidden="true">
                    {sort.key === column.key ? (sort.descending ? '▼' : '▲') : ''}
                  </span>
                </button>
              </th>
            ))}
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody ref={body}>
          {sorted.length === 0 && (
            <tr>
              <td colSpan={4} className="muted">
                This folder is empty.
              </td>
            </tr>
          )}
          {sorted.map((entry) => (
            <tr
              key={entry.name}
              data-name={entry.name}
              data-type={entry.type}
              tabIndex={0}
              aria-selected={selected.has(entry.name)}
              className={selected.has(entry.name) ? 'selected' : undefined}
              onClick={(event) => onRowClick(event, entry.name)}
              onDoubleClick={() => !disabled && onOpen(entry)}
              onKeyDown={(event) => onRowKey(event, entry)}
            >
              <td className="name">
                {/* Drawn in CSS: emoji fonts are missing on many Linux desktops. */}
                <span className="file-icon" data-type={entry.type} aria-hidden="true" />
                {renaming === entry.name ? (
                  <RenameField
                    entry={entry}
                    onDone={async (name) => {
                      if (name === undefined || name === entry.name) return setRenaming(undefined);
                      if (await onRename(entry, name)) setRenaming(undefined);
                    }}
                  />
                ) : (
                  <span className="file-name">{printable(entry.name)}</span>
                )}
              </td>
              <td className="numeric">{entry.type === 'directory' ? '—' : formatSize(entry.size)}</td>
              <td>
                <time dateTime={entry.modifiedAt}>{new Date(entry.modifiedAt).toLocaleString()}</time>
              </td>
              <td className="row-actions">
                <button type="button" className="plain" aria-label={`Rename ${printable(entry.name)}`} onClick={() => setRenaming(entry.name)} disabled={disabled}>
                  Rename
                </button>
                <button type="button" className="plain danger-text" aria-label={`Delete ${printable(entry.name)}`} onClick={() => onDelete(entry)} disabled={disabled}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The name cell while renaming: Enter saves, Escape cancels; the extension starts unselected. */
function RenameField({ entry, onDone }: { entry: RemoteEntry; onDone: (name: string | undefined) => Promise<void> }) {
  const ref = useRef<HTMLInputElement>(null);
  const [value, setValue] = useState(entry.name);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const input = ref.current;
    if (!input) return;
    input.focus();
    const dot = entry.type === 'directory' ? -1 : entry.name.lastIndexOf('.');
    input.setSelectionRange(0, dot > 0 ? dot : entry.name.length);
  }, [entry]);

  const finish = async (name: string | undefined) => {
    if (saving) return;
    setSaving(true);
    await onDone(name);
    setSaving(false);
    // Still here: the rename failed; give the field back for another try.
    requestAnimationFrame(() => ref.current?.focus());
  };

  return (
    <input
      ref={ref}
      className="rename-field"
      aria-label={`New name for ${printable(entry.name)}`}
      value={value}
      disabled={saving}
      spellCheck={false}
      onChange={(e) => setValue(e.target.value)}
      onClick={(e) => e.stopPropagation()}
      onDoubleClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Enter') {
          e.preventDefault();
          void finish(value);
        } else if (e.key === 'Escape') {
          e.preventDefault();
          void finish(undefined);
        }
      }}
    />
  );
}
