import { useState, type FormEvent } from 'react';
import type { RemoteEntry, WorkerInfo } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { formatSize } from './file-sort.ts';
import { FileTable } from './FileTable.tsx';
import { PathBar } from './PathBar.tsx';
import { checkEntryName, joinPath, parentPath } from './remote-path.ts';
import { useListing } from './useListing.ts';

/** One worker's files: the folder shown, and the changes made to it (each followed by a reload). */
export function FileBrowser({ worker }: { worker: WorkerInfo }) {
  const client = useClient();
  const { listing, loading, error: listError, open, refresh } = useListing(worker.id);
  const [selected, setSelected] = useState<string>();
  const [actionError, setActionError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<RemoteEntry>();
  const [deleteError, setDeleteError] = useState<string>();
  // A dismissed message stays hidden until the next action, which may bring a new one.
  const [dismissed, setDismissed] = useState<string>();
  const path = listing?.path;

  /** Runs a change, then reloads the folder; the user sees the result or why it failed. */
  const change = async (work: () => Promise<unknown>, select?: string): Promise<boolean> => {
    setBusy(true);
    setActionError(undefined);
    setDismissed(undefined);
    try {
      await work();
      await refresh();
      setSelected(select);
      return true;
    } catch (err) {
      setActionError((err as Error).message);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const go = async (target: string) => {
    setActionError(undefined);
    setDismissed(undefined);
    const ok = await open(target);
    if (ok) setSelected(undefined);
    return ok;
  };

  const createFolder = async (event: FormEvent) => {
    event.preventDefault();
    if (!path) return;
    const name = newName;
    const problem = checkEntryName(name);
    if (problem) return setActionError(problem);
    if (await change(() => client.call('files:mkdir', { workerId: worker.id, path: joinPath(path, name) }), name)) {
      setCreating(false);
      setNewName('');
    }
  };

  const rename = async (entry: RemoteEntry, name: string) => {
    if (!path) return false;
    const problem = checkEntryName(name);
    if (problem) {
      setActionError(problem);
      return false;
    }
    return change(() => client.call('files:rename', { workerId: worker.id, from: joinPath(path, entry.name), to: joinPath(path, name) }), name);
  };

  const confirmDelete = async () => {
    if (!deleting || !path) return;
    setBusy(true);
    setDeleteError(undefined);
    try {
      await client.call('files:delete', { workerId: worker.id, path: joinPath(path, deleting.name) });
      setDeleting(undefined);
      setSelected(undefined);
      await refresh();
    } catch (err) {
      setDeleteError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const shownError = actionError ?? listError;
  const error = shownError === dismissed ? undefined : shownError;
  return (
    <section className="file-browser" aria-label={`Files on ${worker.name}`} aria-busy={loading || busy}>
      <div className="files-toolbar">
        <button type="button" onClick={() => path && void go(parentPath(path))} disabled={!path || path === '/'} aria-label="Up one folder" title="Up one folder">
          ↑ Up
        </button>
        <button type="button" onClick={() => void refresh()} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
        {creating ? (
          <form className="new-folder-form" onSubmit={(e) => void createFolder(e)} aria-label="New folder">
            <input
              aria-label="New folder name"
              value={newName}
              onChange={(e) => setNewName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setCreating(false);
              }}
              autoFocus
              spellCheck={false}
            />
            <button type="submit" disabled={busy}>
              Create
            </button>
            <button type="button" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <button type="button" onClick={() => setCreating(true)} disabled={!path}>
            New folder…
          </button>
        )}
      </div>
      {path && <PathBar path={path} onOpen={go} />}
      {error && (
        <div className="banner error" role="alert">
          <span>{error}</span>
          <button
            type="button"
            aria-label="Dismiss"
            onClick={() => {
              setActionError(undefined);
              setDismissed(error);
            }}
          >
            ×
          </button>
        </div>
      )}
      {listing ? (
        <FileTable
          path={listing.path}
          entries={listing.entries}
          selected={selected}
          onSelect={setSelected}
          onOpen={(entry) => {
            // Symlinks may point at folders; listing them says whether they do.
            if (entry.type === 'directory' || entry.type === 'symlink') void go(joinPath(listing.path, entry.name));
          }}
          onRename={rename}
          onDelete={(entry) => {
            setDeleteError(undefined);
            setDeleting(entry);
          }}
          disabled={busy}
        />
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
      {deleting && path && (
        <ConfirmDialog
          title={`Delete “${deleting.name}”?`}
          confirmLabel={deleting.type === 'directory' ? 'Delete folder' : 'Delete'}
          danger
          busy={busy}
          error={deleteError}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => void confirmDelete()}
        >
          {deleting.type === 'directory' ? (
            <p>
              The folder <code className="path">{joinPath(path, deleting.name)}</code> and <strong>everything in it</strong> will be
              deleted from {worker.name}.
            </p>
          ) : (
            <p>
              <code className="path">{joinPath(path, deleting.name)}</code> ({formatSize(deleting.size)}) will be deleted from {worker.name}.
            </p>
          )}
          <p>This cannot be undone.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
