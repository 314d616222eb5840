import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import type { TransferSnapshot } from '../../../../shared/transfer-model.ts';
import type { RemoteEntry, WorkerInfo } from '../../../../shared/worker-model.ts';
import { pathOfDroppedFile } from '../../api/bridge.ts';
import { useClient } from '../../api/context.tsx';
import { Banner } from '../../components/Banner.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { useCtrlKeys } from '../../lib/use-ctrl-keys.ts';
import { formatSize } from './file-sort.ts';
import { FileTable } from './FileTable.tsx';
import { LocalPicker, type PickerMode } from './LocalPicker.tsx';
import { PathBar } from './PathBar.tsx';
import { stageDrop, takeDrop } from './drop-staging.ts';
import { checkEntryName, joinPath, parentPath } from './remote-path.ts';
import { useListing } from './useListing.ts';
import { useSteps } from '../../lib/useAction.ts';

const NOTHING: ReadonlySet<string> = new Set();

/**
 * One worker's files: the folder shown, and the changes made to it (each followed by a reload);
 * uploads into it (Upload…, or files dropped on the listing) and downloads of the selection.
 */
export function FileBrowser({ worker, transfers }: { worker: WorkerInfo; transfers: TransferSnapshot | undefined }) {
  const client = useClient();
  const { listing, loading, error: listError, open, refresh } = useListing(worker.id);
  const [selection, setSelection] = useState<ReadonlySet<string>>(NOTHING);
  const setSelected = (name: string | undefined) => setSelection(name === undefined ? NOTHING : new Set([name]));
  const [picker, setPicker] = useState<PickerMode>();
  const [dragging, setDragging] = useState(false);
  const [staging, setStaging] = useState<string>();
  // Creating, renaming and moving share one error line; deleting shows its own in the dialog.
  const changing = useSteps();
  const actionError = changing.error;
  const setActionError = changing.setError;
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');
  const [deleting, setDeleting] = useState<RemoteEntry>();
  const deletion = useSteps();
  const deleteError = deletion.error;
  const setDeleteError = deletion.setError;
  const busy = changing.pending || deletion.pending;
  // A dismissed message stays hidden until the next action, which may bring a new one.
  const [dismissed, setDismissed] = useState<string>();
  const path = listing?.path;

  /** Runs a change, then reloads the folder; the user sees the result or why it failed. */
  const change = async (work: () => Promise<unknown>, select?: string, keepSelection = false): Promise<boolean> => {
    setDismissed(undefined);
    const changed = await changing.run(async () => {
      await work();
      await refresh();
    });
    if (changed && !keepSelection) setSelected(select);
    return changed;
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
    await deletion.run(async () => {
      await client.call('files:delete', { workerId: worker.id, path: joinPath(path, deleting.name) });
      setDeleting(undefined);
      setSelected(undefined);
      await refresh();
    });
  };

  // An upload into the folder shown just finished: show its result.
  const seenDone = useRef<Set<string> | undefined>(undefined);
  useEffect(() => {
    if (!transfers || !path) return;
    const done = transfers.items.filter((i) => i.workerId === worker.id && i.direction === 'upload' && i.state === 'done' && parentPath(i.remotePath) === path).map((i) => i.id);
    const fresh = seenDone.current !== undefined && done.some((id) => !seenDone.current!.has(id));
    seenDone.current = new Set(done);
    if (fresh) void refresh();
  }, [transfers, path, worker.id, refresh]);

  const upload = (localPaths: string[]) => {
    if (!path || localPaths.length === 0) return;
    void change(() => client.call('transfers:upload', { workerId: worker.id, localPaths, remoteDir: path }));
  };

  const download = (localDir?: string) => {
    if (!path || selection.size === 0) return;
    const remotePaths = [...selection].map((name) => joinPath(path, name));
    void change(() => client.call('transfers:download', { workerId: worker.id, remotePaths, ...(localDir ? { localDir } : {}) }), undefined, true);
  };

  // Ctrl+U and Ctrl+D are view-source and bookmark in a browser: neither is of use on this page,
  // and Electron binds neither. Ctrl+D is left to the browser when nothing is selected.
  useCtrlKeys({
    u: () => {
      if (!path) return false;
      setPicker('upload');
    },
    d: () => {
      if (!path || selection.size === 0) return false;
      download();
    },
  });

  const hasFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');
  const onDrop = (event: DragEvent) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    setDragging(false);
    const files = [...event.dataTransfer.files];
    const paths = files.map(pathOfDroppedFile).filter((p): p is string => p !== undefined);
    if (paths.length > 0 && paths.length === files.length) return upload(paths);
    // The browser workbench: the page knows the bytes, not the paths; the web host stages a copy.
    const drop = takeDrop(event.dataTransfer);
    const remoteDir = path;
    if (!remoteDir || (drop.entries.length === 0 && drop.files.length === 0)) return;
    void change(async () => {
      const staged = await stageDrop(drop, (done, total) => setStaging(`Preparing dropped files: ${done} of ${total}…`));
      setStaging(undefined);
      await client.call('transfers:upload', { workerId: worker.id, localPaths: staged, remoteDir });
    }).finally(() => setStaging(undefined));
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
        <button type="button" onClick={() => setPicker('upload')} disabled={!path} title="Upload files or folders from this computer into this folder (Ctrl+U)">
          Upload…
        </button>
        <button
          type="button"
          onClick={() => download()}
          disabled={!path || selection.size === 0}
          title={`Download the selected entries ${transfers ? `to ${transfers.downloadDir} ` : ''}(Ctrl+D)`}
        >
          Download{selection.size > 1 ? ` (${selection.size})` : ''}
        </button>
        <button type="button" onClick={() => setPicker('folder')} disabled={!path || selection.size === 0}>
          Download to…
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
      {staging && (
        <p className="muted" role="status">
          {staging}
        </p>
      )}
      {error && (
        <Banner
          level="error"
          onDismiss={() => {
            setActionError(undefined);
            setDismissed(error);
          }}
        >
          {error}
        </Banner>
      )}
      {listing ? (
        <div
          className={dragging ? 'drop-zone dragging' : 'drop-zone'}
          onDragOver={(event) => {
            if (!hasFiles(event)) return;
            event.preventDefault();
            event.dataTransfer.dropEffect = 'copy';
            setDragging(true);
          }}
          onDragLeave={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={onDrop}
        >
          {dragging && <div className="drop-hint">Drop to upload into {listing.path}</div>}
          <FileTable
            path={listing.path}
            entries={listing.entries}
            selected={selection}
            onSelect={setSelection}
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
        </div>
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
      {picker && path && (
        <LocalPicker
          mode={picker}
          {...(picker === 'folder' && transfers ? { start: transfers.downloadDir } : {})}
          purpose={picker === 'upload' ? `Upload to ${worker.name}` : 'Download here'}
          onCancel={() => setPicker(undefined)}
          onPick={(paths) => {
            setPicker(undefined);
            if (picker === 'upload') upload(paths);
            else download(paths[0]);
          }}
        />
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
