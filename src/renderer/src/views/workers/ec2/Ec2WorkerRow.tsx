import { MAX_LIFETIME_HOURS, type Ec2Worker } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { DeadlineClock } from '../fleet/DeadlineClock.tsx';
import { FleetRow } from '../fleet/FleetRow.tsx';

const LIVE = new Set(['launching', 'pending', 'running']);

/** One EC2 worker: live countdown and cost, extend, terminate (confirmed). */
export function Ec2WorkerRow({ worker }: { worker: Ec2Worker }) {
  const client = useClient();
  const live = LIVE.has(worker.state);
  const room = (Date.parse(worker.launchedAt) + MAX_LIFETIME_HOURS * 3_600_000 - Date.parse(worker.deadline)) / 3_600_000;
  return (
    <FleetRow
      data={{ 'data-ec2-worker': worker.id }}
      name={worker.name}
      // A worker with an instance is a place to work: its page has the connection and terminals.
      href={worker.instanceId && live ? `#/workers/${worker.id}` : undefined}
      state={worker.state}
      stateClass={`ec2-${worker.state}`}
      overdue={worker.overdue}
      details={
        <>
          {worker.instanceType} · {worker.region} · {worker.address ?? 'no address yet'}
          {worker.adopted && ' · found in AWS'}
        </>
      }
      clock={live && <DeadlineClock launchedAt={worker.launchedAt} deadline={worker.deadline} hourlyUsd={worker.hourlyUsd} overdue={worker.overdue} live />}
      message={worker.message}
      actionable={Boolean(worker.instanceId) && worker.state !== 'terminated' && worker.state !== 'shutting-down'}
      // Only the app that holds its key can move the deadline the instance keeps.
      extendRoom={live && worker.reachable ? room : undefined}
      extend={(hours) => client.call('ec2:extend', { workerId: worker.id, hours })}
      terminate={() => client.call('ec2:terminate', { workerId: worker.id })}
      terminateNote={`The instance ${worker.instanceId} and everything on its disk are deleted. Download the results you need first.`}
    />
  );
}
