import { useState } from 'react';
import type { Workspace, WorkspaceEntry } from '../../../../shared/workspace.ts';
import { printable } from '../../../../shared/display-text.ts';

export interface TreeActions {
  open: (path: string) => void;
  create: (kind: 'file' | 'folder', inFolder: string) => void;
  rename: (entry: WorkspaceEntry) => void;
  remove: (entry: WorkspaceEntry) => void;
}

function depthOf(path: string): number {
  return path.split('/').length - 1;
}

function parentOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
}

/** The workspace's files as an indented tree; folders fold; actions act on the selection. */
export function FileTree({ workspace, active, actions }: { workspace: Workspace; active: string | undefined; actions: TreeActions }) {
  // The selection follows the active file until the user picks something else (a folder).
  const [picked, setPicked] = useState<{ path: string; active: string | undefined }>();
  const selected = picked && picked.active === active ? picked.path : active;
  const [folded, setFolded] = useState<Set<string>>(new Set());
  const entry = workspace.entries.find((e) => e.path === selected);
  const target = entry?.kind === 'folder' ? entry.path : entry ? parentOf(entry.path) : '';
  const hidden = (path: string) => [...folded].some((f) => path.startsWith(`${f}/`));

  const toggle = (path: string) => {
    const next = new Set(folded);
    if (!next.delete(path)) next.add(path);
    setFolded(next);
  };

  const choose = (e: WorkspaceEntry) => {
    setPicked({ path: e.path, active: e.kind === 'folder' ? active : e.path });
    if (e.kind === 'folder') toggle(e.path);
    else actions.open(e.path);
  };

  return (
    <div className="file-tree">
      <div className="tree-toolbar" role="toolbar" aria-label="Files">
        <button type="button" onClick={() => actions.create('file', target)} title="New file">
          + File
        </button>
        <button type="button" onClick={() => actions.create('folder', target)} title="New folder">
          + Folder
        </button>
        <button type="button" disabled={!entry} onClick={() => entry && actions.rename(entry)}>
          Rename
        </button>
        <button type="button" disabled={!entry} onClick={() => entry && actions.remove(entry)}>
          Delete
        </button>
      </div>
      <ul role="tree" aria-label={`Files of ${workspace.name}`}>
        {workspace.entries
          .filter((e) => !hidden(e.path))
          .map((e) => {
            const name = e.path.slice(e.path.lastIndexOf('/') + 1);
            const isFolder = e.kind === 'folder';
            return (
              <li
                key={e.path}
                role="treeitem"
                aria-selected={e.path === selected}
                aria-expanded={isFolder ? !folded.has(e.path) : undefined}
                aria-current={e.path === active ? 'true' : undefined}
                data-path={e.path}
                tabIndex={0}
                style={{ paddingLeft: 8 + depthOf(e.path) * 14 }}
                onClick={() => choose(e)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') {
                    choose(e);
                  } else if (event.key === 'Delete') {
                    actions.remove(e);
                  } else if (event.key === 'F2') {
                    actions.rename(e);
                  }
                }}
              >
                <span className="tree-icon" aria-hidden="true">
                  {isFolder ? (folded.has(e.path) ? '▸' : '▾') : '·'}
                </span>
                {printable(name)}
              </li>
            );
          })}
      </ul>
      {workspace.truncated && <p className="muted small">Only the first files are listed.</p>}
    </div>
  );
}
