import { useState } from 'react';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { formatLeft, useNow } from '../workers/ec2/useEc2Workers.ts';
import { useWorkers } from '../workers/useWorkers.ts';

const LAST_CHOICE = 'workbench.run.worker';
const LOCAL: WorkerInfo = { id: 'local', kind: 'local', name: 'This computer', state: 'connected' };

/** An EC2 worker's time left, from its deadline (counting down), or undefined for other workers. */
function timeLeft(worker: WorkerInfo | undefined, now: number): string | undefined {
  const deadline = worker?.ec2?.deadline;
  return deadline ? formatLeft((Date.parse(deadline) - now) / 1000) : undefined;
}

function label(worker: WorkerInfo, now: number): string {
  if (worker.kind === 'local') return 'This computer';
  const left = timeLeft(worker, now);
  const kind = worker.kind === 'ec2' ? `EC2${left ? `, ${left} left` : ''}` : 'SSH';
  return `${worker.name} (${kind}) · ${worker.state}`;
}

/**
 * Where a run goes: this computer, an SSH host or an EC2 worker, with its connection state
 * (and an EC2 worker's time left). The last choice is remembered on this computer.
 */
export function useWorkerChoice(): { workers: WorkerInfo[]; worker: WorkerInfo; choose: (id: string) => void; error: string | undefined } {
  const { workers, error } = useWorkers();
  const [chosen, setChosen] = useState(() => localStorage.getItem(LAST_CHOICE) ?? 'local');
  const list = (workers ?? [LOCAL]).filter((w) => w.kind !== 'ec2' || w.ec2?.instanceState !== 'terminated');
  // A remembered worker that is gone (removed, terminated) falls back to this computer.
  const worker = list.find((w) => w.id === chosen) ?? LOCAL;
  const choose = (id: string) => {
    setChosen(id);
    localStorage.setItem(LAST_CHOICE, id);
  };
  return { workers: list, worker, choose, error };
}

export function WorkerPicker({ workers, worker, choose }: { workers: WorkerInfo[]; worker: WorkerInfo; choose: (id: string) => void }) {
  const now = useNow();
  return (
    <>
      <label htmlFor="run-form-worker">Worker</label>
      <select id="run-form-worker" value={worker.id} onChange={(e) => choose(e.target.value)}>
        {workers.map((w) => (
          <option key={w.id} value={w.id}>
            {label(w, now)}
          </option>
        ))}
      </select>
      {worker.kind !== 'local' && (
        <p className="muted small" data-testid="worker-note">
          {worker.state === 'connected' ? 'Connected. ' : 'Not connected yet: the run connects when it starts. '}
          The job folder is uploaded there; its output stays on the worker until downloaded.
        </p>
      )}
    </>
  );
}
