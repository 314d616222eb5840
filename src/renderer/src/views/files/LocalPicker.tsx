import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { LocalListing } from '../../../../shared/transfer-model.ts';
import { printable } from '../../../../shared/display-text.ts';
import { useClient } from '../../api/context.tsx';
import '../../components/dialog.css';
import { escapeWith, useModalDialog } from '../../lib/use-modal-dialog.ts';
import { formatSize } from './file-sort.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';

export type PickerMode = 'upload' | 'folder';

export interface LocalPickerProps {
  mode: PickerMode;
  /** Where to start; default the home folder. */
  start?: string;
  /** What the confirm button does, e.g. "Upload to box". */
  purpose: string;
  onPick: (paths: string[]) => void;
  onCancel: () => void;
}

/** Where the picker was last, so the next upload starts there. */
let lastFolder: string | undefined;

const joinLocal = (dir: string, name: string) => (dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}${dir.includes('\\') && !dir.includes('/') ? '\\' : '/'}${name}`);

/**
 * Files and folders of this computer, listed by the core: the stand-in for a native open dialog,
 * which the browser workbench does not have (a browser never tells a page where a file is).
 * 'upload' ticks files and folders; 'folder' chooses the folder shown.
 */
export function LocalPicker({ mode, start, purpose, onPick, onCancel }: LocalPickerProps) {
  const client = useClient();
  const ref = useModalDialog();
  const [listing, setListing] = useState<LocalListing>();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();
  const [ticked, setTicked] = useState<Set<string>>(new Set());
  // Only the folder asked for last is shown: a slow listing answered late (the start folder, when
  // the user has already typed another) must not replace it.
  const latest = useRef(0);

  /** Opens `path`; false when it cannot be listed, undefined when a later go() superseded it. */
  const go = useCallback(
    async (path: string | undefined): Promise<boolean | undefined> => {
      const ticket = ++latest.current;
      try {
        const next = await client.call('local:list', path === undefined ? {} : { path });
        if (ticket !== latest.current) return undefined;
        setListing(next);
        setTyped(next.path);
        setTicked(new Set());
        setError(undefined);
        lastFolder = next.path;
        return true;
      } catch (err) {
        if (ticket !== latest.current) return undefined;
        setError(errorMessage(err));
        return false;
      }
    },
    [client],
  );

  useEffect(() => {
    void (async () => {
      const first = start ?? lastFolder;
      if ((await go(first)) === false && first !== undefined) await go(undefined);
    })();
  }, [go, start]);

  const entries = [...(listing?.entries ?? [])].sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name));
  const toggle = (name: string) =>
    setTicked((current) => {
      const next = new Set(current);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  const submitPath = (event: FormEvent) => {
    event.preventDefault();
    void go(typed);
  };
  const pick = () => {
    if (!listing) return;
    onPick(mode === 'folder' ? [listing.path] : [...ticked].map((name) => joinLocal(listing.path, name)));
  };
  const count = ticked.size;

  return (
    <dialog
      ref={ref}
      className="confirm-dialog local-picker"
      aria-labelledby="local-picker-title"
      onCancel={escapeWith(onCancel)}
    >
      <h2 id="local-picker-title">{mode === 'upload' ? 'Choose files and folders on this computer' : 'Choose a folder on this computer'}</h2>
      <form className="path-field" onSubmit={submitPath}>
        <button type="button" onClick={() => listing?.parent && void go(listing.parent)} disabled={!listing?.parent} aria-label="Up one folder">
          ↑
        </button>
        <input aria-label="Folder on this computer" value={typed} onChange={(e) => setTyped(e.target.value)} spellCheck={false} />
        <button type="submit">Go</button>
        <button type="button" onClick={() => listing && void go(listing.home)}>
          Home
        </button>
      </form>
      <ErrorText error={error} />
      {listing?.total !== undefined && (
        <p className="muted" role="status">
          Showing the first {listing.entries.length.toLocaleString()} of {listing.total.toLocaleString()} entries (folders first, by name). Type a path above to open
          a folder further down.
        </p>
      )}
      <ul className="local-entries" aria-label={listing ? `Files in ${listing.path} on this computer` : 'Files on this computer'}>
        {listing && entries.length === 0 && <li className="muted">This folder is empty.</li>}
        {entries.map((entry) => {
          const isFolder = entry.type === 'directory';
          const selectable = mode === 'upload' && (isFolder || entry.type === 'file');
          return (
            <li key={entry.name} data-name={entry.name} data-type={entry.type}>
              {selectable ? (
                <input type="checkbox" aria-label={`Select ${printable(entry.name)}`} checked={ticked.has(entry.name)} onChange={() => toggle(entry.name)} />
              ) : (
                <span className="checkbox-space" />
              )}
              <span className="file-icon" data-type={entry.type} aria-hidden="true" />
              {isFolder ? (
                <button type="button" className="link-button" onClick={() => listing && void go(joinLocal(listing.path, entry.name))} title="Open this folder">
                  {printable(entry.name)}
                </button>
              ) : (
                <span className={selectable ? undefined : 'muted'}>{printable(entry.name)}</span>
              )}
              <span className="local-size muted">{entry.type === 'file' ? formatSize(entry.size) : ''}</span>
            </li>
          );
        })}
      </ul>
      <div className="dialog-buttons">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={pick} disabled={!listing || (mode === 'upload' && count === 0)}>
          {mode === 'upload' ? `${purpose}${count > 0 ? ` (${count})` : ''}` : purpose}
        </button>
      </div>
    </dialog>
  );
}
