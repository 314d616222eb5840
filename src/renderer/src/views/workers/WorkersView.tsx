import { useEffect, useState } from 'react';
import { AddSshHostForm } from './AddSshHostForm.tsx';
import { SparkClusters } from './clusters/SparkClusters.tsx';
import { Ec2Workers } from './ec2/Ec2Workers.tsx';
import { useWorkers } from '../../lib/useWorkers.ts';
import { WorkerDetail } from './WorkerDetail.tsx';
import { WorkerList } from './WorkerList.tsx';
import './workers.css';
import { ErrorText } from '../../components/ErrorText.tsx';

/** The worker shown last: the Workers link in the sidebar (no id in the URL) comes back to it. */
let lastSelected: string | undefined;

/** This computer and the user's SSH hosts: connect them, trust their keys, open terminals. */
export function WorkersView({ workerId }: { workerId: string | undefined }) {
  const { workers, error, hostKeys, reload, forgetHostKey } = useWorkers();
  const [adding, setAdding] = useState(false);
  const selected = workerId
    ? workers?.find((w) => w.id === workerId)
    : (workers?.find((w) => w.id === lastSelected) ?? workers?.[0]);
  useEffect(() => {
    if (selected) lastSelected = selected.id;
  }, [selected]);

  return (
    <div className="workers-view">
      <aside className="workers-side">
        <div className="row spread">
          <h2>Workers</h2>
          {!adding && (
            <button type="button" onClick={() => setAdding(true)}>
              Add SSH host…
            </button>
          )}
        </div>
        <ErrorText error={error} />
        {workers ? <WorkerList workers={workers} selected={selected?.id} /> : !error && <p className="muted small">Loading…</p>}
        {adding && (
          <AddSshHostForm
            onCancel={() => setAdding(false)}
            onAdded={(worker) => {
              setAdding(false);
              void reload();
              location.hash = `#/workers/${worker.id}`;
            }}
          />
        )}
        <Ec2Workers />
        <SparkClusters />
      </aside>
      <div className="workers-main">
        {selected ? (
          <WorkerDetail
            key={selected.id}
            worker={selected}
            eventKey={hostKeys[selected.id]}
            onHostKeySettled={() => forgetHostKey(selected.id)}
            onRemoved={() => {
              void reload();
              location.hash = '#/workers';
            }}
          />
        ) : (
          workers && (
            <div className="empty-state">
              <h2>No such worker</h2>
              <p>It may have been removed. Pick one from the list.</p>
            </div>
          )
        )}
      </div>
    </div>
  );
}
