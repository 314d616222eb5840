import { useEffect, useState, type FormEvent } from 'react';
import type { Example } from '../../../../shared/model.ts';
import type { WorkspaceSummary } from '../../../../shared/workspace.ts';
import { useClient } from '../../api/context.tsx';
import type { EditorStore } from './editor-store.ts';

/** No workspace open: make a new job (template or example), open a folder, or a recent one. */
export function Start({ store }: { store: EditorStore }) {
  const client = useClient();
  const [examples, setExamples] = useState<Example[]>([]);
  const [recent, setRecent] = useState<WorkspaceSummary[]>([]);
  const [name, setName] = useState('my-job');
  const [from, setFrom] = useState('template');
  const [folder, setFolder] = useState('');

  useEffect(() => {
    client.call('jobs:examples').then(setExamples, () => setExamples([]));
    client.call('workspace:list').then(setRecent, () => setRecent([]));
  }, [client]);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void store.newJob(name.trim(), from === 'template' ? { kind: 'template' } : { kind: 'example', name: from.slice('example:'.length) });
  };
  const open = (event: FormEvent) => {
    event.preventDefault();
    if (folder.trim()) void store.openWorkspace(folder.trim());
  };

  return (
    <div className="editor-start">
      <form onSubmit={create} aria-label="New job">
        <h2>New job</h2>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} required />
        </label>
        <label htmlFor="new-job-from">Start from</label>
        <select id="new-job-from" value={from} onChange={(e) => setFrom(e.target.value)}>
          <option value="template">Template: map, reduce, filter.json, run.sh</option>
          {examples.map((e) => (
            <option key={e.name} value={`example:${e.name}`}>
              Example: {e.name}
            </option>
          ))}
        </select>
        <button type="submit">Create job</button>
      </form>
      <form onSubmit={open} aria-label="Open folder">
        <h2>Open a folder</h2>
        <label>
          Folder
          <input value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/me/jobs/my-analysis" spellCheck={false} required />
        </label>
        <button type="submit">Open</button>
      </form>
      {recent.length > 0 && (
        <section aria-label="Job workspaces">
          <h2>Job workspaces</h2>
          <ul className="recent">
            {recent.map((w) => (
              <li key={w.root}>
                <button type="button" className="link" onClick={() => void store.openWorkspace(w.root)} title={w.root}>
                  {w.name}
                </button>
                <span className="muted small"> {new Date(w.modifiedAt).toLocaleString()}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
