import { useState } from 'react';
import { LaunchEc2Form } from './LaunchEc2Form.tsx';
import { Ec2WorkerRow } from './Ec2WorkerRow.tsx';
import { useEc2Workers } from './useEc2Workers.ts';
import './ec2.css';

/** The EC2 part of the Workers view: launch form and the workers reconciled with AWS. */
export function Ec2Workers() {
  const { workers, message, loading, reload } = useEc2Workers();
  const [launching, setLaunching] = useState(false);

  return (
    <section className="ec2-workers" aria-label="EC2 workers">
      <div className="row spread">
        <h2>EC2 workers</h2>
        <div className="row">
          <button type="button" onClick={() => void reload()} disabled={loading} title="Ask AWS again" aria-label="Refresh EC2 workers">
            ↻
          </button>
          {!launching && (
            <button type="button" onClick={() => setLaunching(true)}>
              Launch…
            </button>
          )}
        </div>
      </div>
      {message && (
        <p className="muted small" role="status">
          {message}
        </p>
      )}
      {launching && <LaunchEc2Form onCancel={() => setLaunching(false)} onLaunched={() => setLaunching(false)} />}
      {!workers && !message && <p className="muted small">Asking AWS…</p>}
      {workers && workers.length === 0 && !launching && <p className="muted small">None running. A worker terminates itself at the end of its lifetime.</p>}
      <ul className="ec2-list">
        {workers?.map((worker) => (
          <Ec2WorkerRow key={worker.id} worker={worker} />
        ))}
      </ul>
    </section>
  );
}
