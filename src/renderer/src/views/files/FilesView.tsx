import { useEffect, useState } from 'react';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { ConnectionBadge } from '../../components/ConnectionBadge.tsx';
import { useWorkers } from '../../lib/useWorkers.ts';
import { FileBrowser } from './FileBrowser.tsx';
import { TransferPanel } from './TransferPanel.tsx';
import { useTransfers } from './useTransfers.ts';
import './files.css';

/** The worker the Files view showed last, kept across view switches. */
let lastWorker: string | undefined;

/** Browse and manage files on a connected remote worker (an SSH host or an EC2 worker); `#/files/<id>` picks one. */
export function FilesView({ workerId }: { workerId?: string | undefined }) {
  const { workers, error } = useWorkers();
  const [chosen, setChosen] = useState(lastWorker);
  // A worker named in the URL wins; choosing another one moves the URL along.
  const picked = workerId ?? chosen;
  const transfers = useTransfers();
  const ssh = workers?.filter((w) => w.kind !== 'local') ?? [];
  const worker: WorkerInfo | undefined = ssh.find((w) => w.id === picked) ?? ssh.find((w) => w.state === 'connected');

  const choose = (id: string) => {
    lastWorker = id;
    setChosen(id);
    if (workerId) location.hash = `#/files/${id}`;
  };
  useEffect(() => {
    if (workerId) lastWorker = workerId;
  }, [workerId]);

  if (error) {
    return (
      <p className="banner error" role="alert">
        {error}
      </p>
    );
  }
  if (!workers) return <p className="muted">Loading workers…</p>;
  if (ssh.length === 0) {
    return (
      <div className="empty-state">
        <h2>No remote workers yet</h2>
        <p>
          Add an SSH host or launch an EC2 worker in <a href="#/workers">Workers</a> and connect to it; its files are browsed here.
        </p>
      </div>
    );
  }

  return (
    <div className="files-view">
      <div className="files-worker row">
        <label htmlFor="files-worker-select">Worker</label>
        <select id="files-worker-select" value={worker?.id ?? ''} onChange={(e) => choose(e.target.value)}>
          {!worker && <option value="">Choose a worker…</option>}
          {ssh.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
              {w.state === 'connected' ? '' : ` (${w.state})`}
            </option>
          ))}
        </select>
        {worker && <ConnectionBadge state={worker.state} />}
      </div>
      <div className="files-layout">
        <div className="files-main">
          {worker?.state === 'connected' ? (
            <FileBrowser key={worker.id} worker={worker} transfers={transfers} />
          ) : (
            <div className="empty-state">
              <h2>{worker ? `${worker.name} is not connected` : 'No worker chosen'}</h2>
              <p>
                {worker?.state === 'reconnecting' ? 'The connection dropped; the app is reconnecting. ' : ''}
                Connect it in <a href={worker ? `#/workers/${worker.id}` : '#/workers'}>Workers</a> to browse its files.
              </p>
            </div>
          )}
        </div>
        {/* Beside the browser, so transfers stay in view while navigating; empty until there are some. */}
        <aside className="files-transfers" aria-label="Transfers">
          <TransferPanel snapshot={transfers} workers={workers} />
        </aside>
      </div>
    </div>
  );
}
