import { useState } from 'react';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { useNow } from '../../lib/clock.ts';
import { formatLeft } from '../../lib/format.ts';
import { useWorkers } from '../../lib/useWorkers.ts';

const LAST_CHOICE = 'workbench.run.worker';
const LOCAL: WorkerInfo = { id: 'local', kind: 'local', name: 'This computer', state: 'connected' };

/** An EC2 worker's or a cluster's time left, from its deadline (counting down), or undefined for other workers. */
function timeLeft(worker: WorkerInfo | undefined, now: number): string | undefined {
  const deadline = worker?.ec2?.deadline ?? worker?.cluster?.deadline;
  return deadline ? formatLeft((Date.parse(deadline) - now) / 1000) : undefined;
}

/** What the select cannot show without cutting it: kind, connection state and an EC2 worker's time left. */
function details(worker: WorkerInfo, now: number): string {
  const left = timeLeft(worker, now);
  const kind = worker.kind === 'ec2' ? 'EC2 worker' : worker.kind === 'cluster' ? 'Spark cluster' : 'SSH host';
  return [kind, worker.state, left && `${left} left`].filter(Boolean).join(' · ');
}

/** The kinds a select groups its options under, so an option needs only the worker's name. */
const GROUPS: { kind: WorkerInfo['kind']; label: string }[] = [
  { kind: 'ssh', label: 'SSH hosts' },
  { kind: 'ec2', label: 'EC2 workers' },
  { kind: 'cluster', label: 'Spark clusters' },
];

/**
 * Where a run goes: this computer, an SSH host, an EC2 worker or a Spark cluster's master, with
 * its connection state (and an EC2 worker's or a cluster's time left). The last choice is
 * remembered on this computer.
 */
export function useWorkerChoice(): {
  workers: WorkerInfo[];
  /** False until the workers are listed (or could not be): until then only this computer is there. */
  workersLoaded: boolean;
  worker: WorkerInfo;
  /** The user's choice: remembered. */
  choose: (id: string) => void;
  /** The worker of the run shown: chosen for now, not remembered. */
  show: (id: string) => void;
  error: string | undefined;
} {
  const { workers, error } = useWorkers();
  const [chosen, setChosen] = useState(() => localStorage.getItem(LAST_CHOICE) ?? 'local');
  const list = (workers ?? [LOCAL]).filter((w) => w.kind !== 'ec2' || w.ec2?.instanceState !== 'terminated');
  // A remembered worker that is gone (removed, terminated) falls back to this computer.
  const worker = list.find((w) => w.id === chosen) ?? LOCAL;
  const choose = (id: string) => {
    setChosen(id);
    localStorage.setItem(LAST_CHOICE, id);
  };
  return { workers: list, workersLoaded: workers !== undefined || error !== undefined, worker, choose, show: setChosen, error };
}

export function WorkerPicker({ workers, worker, choose, disabled }: { workers: WorkerInfo[]; worker: WorkerInfo; choose: (id: string) => void; disabled?: boolean }) {
  const now = useNow();
  const locals = workers.filter((w) => w.kind === 'local');
  return (
    <>
      <label htmlFor="run-form-worker">Worker</label>
      <select id="run-form-worker" value={worker.id} onChange={(e) => choose(e.target.value)} disabled={disabled} aria-describedby={worker.kind === 'local' ? undefined : 'run-form-worker-details'}>
        {(locals.length > 0 ? locals : [LOCAL]).map((w) => (
          <option key={w.id} value={w.id}>
            This computer
          </option>
        ))}
        {GROUPS.map(({ kind, label }) => {
          const members = workers.filter((w) => w.kind === kind);
          return (
            members.length > 0 && (
              <optgroup key={kind} label={label}>
                {members.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name}
                  </option>
                ))}
              </optgroup>
            )
          );
        })}
      </select>
      {worker.kind !== 'local' && (
        <div className="worker-details" id="run-form-worker-details">
          <span className={`worker-state ${worker.state}`} data-testid="worker-details">
            {details(worker, now)}
          </span>
          <p className="muted small" data-testid="worker-note">
            {worker.state === 'connected' ? '' : 'The run connects when it starts. '}
            The job folder is uploaded there; its output stays on the worker until downloaded.
          </p>
        </div>
      )}
    </>
  );
}
