import { useEffect, useState, useSyncExternalStore } from 'react';
import type { WorkbenchClient } from '../../../../shared/rpc-client.ts';
import type { WorkspaceEntry } from '../../../../shared/workspace.ts';
import { useClient } from '../../api/context.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { Dialog, type Ask } from './Dialog.tsx';
import { EditorStore, type MarkedError, type Tab } from './editor-store.ts';
import { FileTree } from './FileTree.tsx';
import { MonacoPane } from './MonacoPane.tsx';
import { monaco } from './monaco.ts';
import { Problems } from './Problems.tsx';
import { Start } from './Start.tsx';
import './editor.css';

// One store per connection, kept while the app runs: leaving the view keeps tabs and edits.
const stores = new WeakMap<WorkbenchClient, EditorStore>();
function useStore(): EditorStore {
  const client = useClient();
  let store = stores.get(client);
  if (!store) {
    store = new EditorStore(client);
    stores.set(client, store);
    void store.restore();
  }
  return store;
}

function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Map/reduce scripts and their filter, in a workspace folder, with Monaco. */
export default function EditorView() {
  const store = useStore();
  const state = useSyncExternalStore(store.subscribe, store.get);
  const [ask, setAsk] = useState<Ask>();
  const [broken, setBroken] = useState<MarkedError[]>();
  const tab = state.tabs.find((t) => t.path === state.active);

  const start = async () => {
    const runId = await store.run();
    if (runId) location.hash = `#/jobs/${runId}`;
  };

  // Saved first (which checks the Python again): code the editor marks broken runs only when the user says so.
  const run = async () => {
    if (!(await store.saveAll())) return;
    const errors = store.errors();
    if (errors.length > 0) setBroken(errors);
    else await start();
  };

  // Ctrl/Cmd+S and Ctrl/Cmd+Enter outside Monaco too (Monaco handles its own, first).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      // A question is open: its keys are for it.
      if (event.defaultPrevented || !(event.ctrlKey || event.metaKey) || event.altKey || document.querySelector('dialog[open]')) return;
      if (event.key === 's') {
        event.preventDefault();
        void store.save();
      } else if (event.key === 'Enter') {
        event.preventDefault();
        document.getElementById('editor-run')?.click();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);

  const closeTab = (t: Tab) => {
    if (!t.dirty) return store.closeTab(t.path);
    setAsk({
      kind: 'confirm',
      title: `Save changes to ${t.path}?`,
      message: 'Your changes are lost if you close without saving.',
      choices: [
        { label: 'Save', action: () => void store.save(t.path).then((ok) => ok && store.closeTab(t.path)) },
        { label: 'Don’t save', danger: true, action: () => store.closeTab(t.path) },
      ],
    });
  };

  const closeWorkspace = () => {
    const dirty = state.tabs.filter((t) => t.dirty);
    if (dirty.length === 0) return store.closeWorkspace();
    setAsk({
      kind: 'confirm',
      title: 'Close the workspace?',
      message: `${dirty.map((t) => t.path).join(', ')} ${dirty.length === 1 ? 'has' : 'have'} unsaved changes.`,
      choices: [
        { label: 'Save all and close', action: () => void store.saveAll().then((ok) => ok && store.closeWorkspace()) },
        { label: 'Discard and close', danger: true, action: () => store.closeWorkspace() },
      ],
    });
  };

  const treeActions = {
    open: (path: string) => void store.openFile(path),
    create: (kind: 'file' | 'folder', inFolder: string) =>
      setAsk({
        kind: 'prompt',
        title: kind === 'file' ? 'New file' : 'New folder',
        label: inFolder ? `Name (in ${inFolder}/)` : 'Name',
        initial: '',
        ok: 'Create',
        onOk: (name) => void store.create(inFolder ? `${inFolder}/${name}` : name, kind),
      }),
    rename: (entry: WorkspaceEntry) =>
      setAsk({ kind: 'prompt', title: `Rename ${entry.path}`, label: 'New path', initial: entry.path, ok: 'Rename', onOk: (to) => void store.rename(entry.path, to) }),
    remove: (entry: WorkspaceEntry) =>
      setAsk({
        kind: 'confirm',
        title: `Delete ${entry.path}?`,
        message: entry.kind === 'folder' ? 'The folder and everything in it are deleted from disk.' : 'The file is deleted from disk.',
        choices: [{ label: 'Delete', danger: true, action: () => void store.remove(entry.path) }],
      }),
  };

  const reveal = (line: number, column: number) => {
    const editor = monaco.editor.getEditors()[0];
    editor?.revealPositionInCenter({ lineNumber: line, column });
    editor?.setPosition({ lineNumber: line, column });
    editor?.focus();
  };

  return (
    <div className="editor-view">
      {state.error && (
        <div className="banner error" role="alert">
          <span>{state.error}</span>
        </div>
      )}
      {!state.workspace ? (
        <Start store={store} />
      ) : (
        <>
          <div className="editor-toolbar" role="toolbar" aria-label="Workspace">
            <strong title={state.workspace.root}>{state.workspace.name}</strong>
            <span className="muted small path">{state.workspace.root}</span>
            <span className="spacer" />
            {state.busy && <span className="muted small">{state.busy}</span>}
            <button type="button" onClick={() => void store.save()} disabled={!tab?.dirty} title="Ctrl+S">
              Save
            </button>
            <button id="editor-run" type="button" className="primary" onClick={() => void run()} disabled={state.busy !== undefined} title="Save all and run locally (Ctrl+Enter)">
              Run locally
            </button>
            <button type="button" onClick={closeWorkspace}>
              Close
            </button>
          </div>
          <div className="editor-body">
            <FileTree workspace={state.workspace} active={state.active} actions={treeActions} />
            <div className="editor-main">
              <div className="tabs" role="tablist" aria-label="Open files">
                {state.tabs.map((t) => (
                  <div key={t.path} className="tab" role="tab" aria-selected={t.path === state.active} title={t.path} onClick={() => store.activate(t.path)}>
                    <span>{t.path.slice(t.path.lastIndexOf('/') + 1)}</span>
                    {t.dirty && (
                      <span className="dirty" aria-label="unsaved changes" title="Unsaved changes">
                        ●
                      </span>
                    )}
                    <button
                      type="button"
                      className="close"
                      aria-label={`Close ${t.path}`}
                      onClick={(event) => {
                        event.stopPropagation();
                        closeTab(t);
                      }}
                    >
                      ×
                    </button>
                  </div>
                ))}
              </div>
              {tab?.changedOnDisk && (
                <div className="banner warning" role="alert">
                  <span>
                    {tab.changedOnDisk === 'deleted' ? `${tab.path} was deleted on disk.` : `${tab.path} changed on disk.`}
                    {tab.dirty ? ' Reloading discards your unsaved changes.' : ''}
                  </span>
                  <span className="row">
                    {tab.changedOnDisk === 'changed' && (
                      <button type="button" onClick={() => void store.reload(tab.path)}>
                        Reload
                      </button>
                    )}
                    <button type="button" onClick={() => store.keepMine(tab.path)}>
                      Keep mine
                    </button>
                  </span>
                </div>
              )}
              {tab?.notice && (
                <div className="banner warning" role="status">
                  <span>{tab.notice}</span>
                </div>
              )}
              {!tab ? (
                <div className="empty-state">
                  <h2>No file open</h2>
                  <p>Pick a file on the left. Ctrl+S saves, Ctrl+Enter saves everything and runs the job locally.</p>
                </div>
              ) : tab.kind === 'large' ? (
                <div className="empty-state">
                  <h2>{tab.path} is large</h2>
                  <p>It is {formatMb(tab.size)}; opening it may make the editor slow.</p>
                  <button type="button" onClick={() => void store.openFile(tab.path, true)}>
                    Open anyway
                  </button>
                </div>
              ) : store.model(tab.path) ? (
                <>
                  <MonacoPane store={store} tab={tab} commands={{ save: () => void store.save(), run: () => void run() }} />
                  <Problems uri={store.uriOf(tab.path).toString()} onReveal={reveal} />
                </>
              ) : null}
            </div>
          </div>
        </>
      )}
      {ask && <Dialog ask={ask} onClose={() => setAsk(undefined)} />}
      {broken && (
        <ConfirmDialog
          title="Run with problems?"
          confirmLabel="Run anyway"
          focusConfirm
          onConfirm={() => {
            setBroken(undefined);
            void start();
          }}
          onCancel={() => setBroken(undefined)}
        >
          <p>
            The editor marks {broken.length === 1 ? 'an error' : `${broken.length} errors`} in the open files; the run will likely fail. Enter runs anyway, Esc goes back to the code.
          </p>
          <ul className="broken-list">
            {broken.slice(0, 8).map((e, i) => (
              <li key={i}>
                <code>
                  {e.path}:{e.line}:{e.column}
                </code>{' '}
                {e.message}
              </li>
            ))}
            {broken.length > 8 && <li className="muted">and {broken.length - 8} more (see Problems)</li>}
          </ul>
        </ConfirmDialog>
      )}
    </div>
  );
}
