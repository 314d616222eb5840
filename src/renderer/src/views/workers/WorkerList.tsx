import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { ConnectionBadge } from '../../components/ConnectionBadge.tsx';
import { DeadlineClock } from './fleet/DeadlineClock.tsx';
import { describeWorker } from '../../lib/useWorkers.ts';

export function WorkerList({ workers, selected }: { workers: WorkerInfo[]; selected: string | undefined }) {
  return (
    <ul className="worker-list" aria-label="Workers">
      {workers.map((worker) => (
        <li key={worker.id}>
          <a href={`#/workers/${worker.id}`} aria-current={worker.id === selected ? 'true' : undefined} data-worker-id={worker.id}>
            <span className="worker-name">{worker.kind === 'local' ? 'This computer' : worker.name}</span>
            <ConnectionBadge state={worker.state} />
            <span className="muted small worker-where">{worker.kind === 'local' ? 'Local runs and files' : describeWorker(worker)}</span>
            {worker.ec2 && (
              <span className="muted small worker-ec2">
                EC2 {worker.ec2.instanceType} · <DeadlineClock {...worker.ec2} live />
              </span>
            )}
            {worker.cluster && (
              <span className="muted small worker-ec2">
                Spark cluster {worker.cluster.clusterId} · <DeadlineClock {...worker.cluster} live ending="AWS terminates it" />
              </span>
            )}
          </a>
        </li>
      ))}
    </ul>
  );
}
