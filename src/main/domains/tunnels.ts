import { CLUSTER_UIS, type ClusterUi } from '../../shared/tunnel-model.ts';
import { WorkbenchError } from '../../shared/errors.ts';
import { LIVE_STATES } from '../services/clusters/cluster-aws.ts';
import { Tunnels } from '../services/ssh/tunnels.ts';
import type { ClustersDomain } from './clusters.ts';
import type { Core, Domain } from './domain.ts';
import type { WorkersDomain } from './workers.ts';

export interface TunnelsDomainOptions {
  /**
   * Where a cluster's UIs are reached from its master: its own address and the UIs' ports unless
   * set (tests point them at a loopback server, as their sshd plays the master).
   */
  clusterUi?: { host?: string; ports?: Partial<Record<ClusterUi, number>> };
}

export interface TunnelsDomain extends Domain<'tunnels:open' | 'tunnels:cluster-ui' | 'tunnels:list' | 'tunnels:close'> {
  tunnels: Tunnels;
}

/**
 * Ports on 127.0.0.1 carried over workers' SSH connections (a cluster's YARN and Spark UIs).
 * A worker that is disconnected on purpose, removed or terminated takes its tunnels with it.
 */
export function createTunnelsDomain(core: Pick<Core, 'bus'>, deps: { workers: WorkersDomain; clusters: ClustersDomain }, options: TunnelsDomainOptions = {}): TunnelsDomain {
  const tunnels = new Tunnels((workerId) => deps.workers.connect(workerId));
  const stopWatching = [
    core.bus.on('workers:state', ({ workerId, state }) => {
      if (state === 'disconnected') tunnels.closeFor(workerId);
    }),
    // A terminated EC2 worker: nothing is left at the other end. (A terminated cluster's master is
    // disconnected by the ssh domain, which closes its tunnels above.)
    core.bus.on('ec2:workers', ({ workers }) => {
      for (const worker of workers) if (worker.state === 'terminated' || worker.state === 'shutting-down') tunnels.closeFor(worker.id);
    }),
  ];
  deps.workers.onRemoved(async (workerId) => tunnels.closeFor(workerId));
  return {
    tunnels,
    handlers: {
      'tunnels:open': (request) => tunnels.open(request),
      'tunnels:cluster-ui': async ({ clusterId, ui }) => {
        const cluster = await deps.clusters.clusters.get(clusterId);
        if (!cluster.masterAddress || !(LIVE_STATES as readonly string[]).includes(cluster.state)) {
          throw new WorkbenchError('UNAVAILABLE', `${cluster.name} is ${cluster.state} and has no master node to reach${cluster.masterAddress ? '' : ' yet'}; its UIs open once it is WAITING or RUNNING.`);
        }
        const { label, port } = CLUSTER_UIS[ui];
        // The master's public name resolves to its private address inside its VPC, where the UIs
        // listen (EMR's own recipe for `ssh -L`); the name is resolved there, never here.
        const remoteHost = options.clusterUi?.host ?? cluster.masterAddress;
        return tunnels.open({ workerId: cluster.id, remoteHost, remotePort: options.clusterUi?.ports?.[ui] ?? port, label: `${label} of ${cluster.name}` });
      },
      'tunnels:list': () => tunnels.list(),
      'tunnels:close': ({ id }) => {
        tunnels.close(id);
        return null;
      },
    },
    close: () => {
      for (const stop of stopWatching) stop();
      tunnels.closeAll();
    },
  };
}
