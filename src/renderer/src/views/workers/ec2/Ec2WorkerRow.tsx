import { useState } from 'react';
import { MAX_LIFETIME_HOURS, type Ec2Worker } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
import { Ec2Clock } from './Ec2Clock.tsx';
import { useSteps } from '../../../lib/useAction.ts';

const LIVE = new Set(['launching', 'pending', 'running']);

/** One EC2 worker: live countdown and cost, extend, terminate (confirmed). */
export function Ec2WorkerRow({ worker }: { worker: Ec2Worker }) {
  const client = useClient();
  const [confirming, setConfirming] = useState(false);
  const { run, pending: busy, error } = useSteps();
  const [hours, setHours] = useState(1);
  const live = LIVE.has(worker.state);
  const deadline = Date.parse(worker.deadline);
  const limit = Date.parse(worker.launchedAt) + MAX_LIFETIME_HOURS * 3_600_000;

  const act = async (work: () => Promise<unknown>) => {
    if (await run(work)) setConfirming(false);
  };

  return (
    <li className={`ec2-row${worker.overdue ? ' overdue' : ''}`} data-ec2-worker={worker.id}>
      <div className="ec2-row-head">
        {/* A worker with an instance is a place to work: its page has the connection and terminals. */}
        {worker.instanceId && live ? (
          <a className="worker-name" href={`#/workers/${worker.id}`}>
            {worker.name}
          </a>
        ) : (
          <span className="worker-name">{worker.name}</span>
        )}
        <span className={`ec2-state ec2-${worker.state}`}>{worker.state}</span>
      </div>
      <div className="muted small">
        {worker.instanceType} · {worker.region} · {worker.address ?? 'no address yet'}
        {worker.adopted && ' · found in AWS'}
      </div>
      {live && <Ec2Clock launchedAt={worker.launchedAt} deadline={worker.deadline} hourlyUsd={worker.hourlyUsd} overdue={worker.overdue} live={live} />}
      {worker.message && (
        <p className={worker.overdue ? 'error small' : 'muted small'} role={worker.overdue ? 'alert' : undefined}>
          {worker.message}
        </p>
      )}
      {worker.instanceId && worker.state !== 'terminated' && worker.state !== 'shutting-down' && (
        <div className="row ec2-actions">
          {live && worker.reachable && deadline < limit && (
            <>
              <select aria-label="Hours to add" value={hours} onChange={(e) => setHours(Number(e.target.value))} disabled={busy}>
                {[1, 2, 4, 8].map((h) => (
                  <option key={h} value={h}>
                    +{h} h
                  </option>
                ))}
              </select>
              <button type="button" disabled={busy} onClick={() => void act(() => client.call('ec2:extend', { workerId: worker.id, hours }))}>
                Extend
              </button>
            </>
          )}
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
            Terminate…
          </button>
        </div>
      )}
      {error && !confirming && (
        <p className="error small" role="alert">
          {error}
        </p>
      )}
      {confirming && (
        <ConfirmDialog
          title={`Terminate ${worker.name}?`}
          confirmLabel="Terminate"
          danger
          busy={busy}
          error={error}
          onConfirm={() => void act(() => client.call('ec2:terminate', { workerId: worker.id }))}
          onCancel={() => setConfirming(false)}
        >
          <p>The instance {worker.instanceId} and everything on its disk are deleted. Download the results you need first.</p>
        </ConfirmDialog>
      )}
    </li>
  );
}
