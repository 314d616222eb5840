import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import type { WorkerSource } from '../worker-registry.ts';
import type { Ec2Record } from './ec2-store.ts';
import type { Ec2Workers } from './ec2-workers.ts';
import { toWorker } from './reconcile.ts';

/**
 * EC2 workers as workers: listed by `workers:list` beside the SSH hosts, and reached by the
 * same connections, terminals, files and jobs. The list is what the app last learnt from AWS
 * (Ec2Workers reconciles on start and on every `ec2:list`), so listing never waits on AWS.
 */
export function ec2WorkerSource(workers: Ec2Workers): WorkerSource {
  return {
    owns: (workerId) => workerId.startsWith('ec2-'),
    list: async () => {
      const now = workers.now();
      // Only instances that exist: a launch that never made one, or one going away, is no place to work.
      return (await workers.records()).filter((r) => r.instanceId && r.state !== 'terminated' && r.state !== 'shutting-down').map((r) => asWorkerInfo(r, now));
    },
    info: async (workerId) => asWorkerInfo(await workers.get(workerId), workers.now()),
    endpoint: (workerId) => workers.endpoint(workerId),
  };
}

function asWorkerInfo(record: Ec2Record, now: Date): WorkerInfo {
  const shown = toWorker(record, now);
  return {
    id: record.id,
    kind: 'ec2',
    name: record.name,
    ...(record.address ? { host: record.address } : {}),
    user: record.sshUser,
    state: 'disconnected',
    ...(shown.message ? { message: shown.message } : {}),
    ec2: {
      region: shown.region,
      instanceType: shown.instanceType,
      ...(shown.instanceId ? { instanceId: shown.instanceId } : {}),
      instanceState: shown.state,
      launchedAt: shown.launchedAt,
      deadline: shown.deadline,
      secondsLeft: shown.secondsLeft,
      hourlyUsd: shown.hourlyUsd,
      costUsd: shown.costUsd,
      overdue: shown.overdue,
      reachable: shown.reachable,
    },
  };
}
