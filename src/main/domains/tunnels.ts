import { Tunnels } from '../services/ssh/tunnels.ts';
import type { Core, Domain } from './domain.ts';
import type { WorkersDomain } from './workers.ts';

export interface TunnelsDomain extends Domain<'tunnels:open' | 'tunnels:list' | 'tunnels:close'> {
  tunnels: Tunnels;
}

/**
 * Ports on 127.0.0.1 carried over workers' SSH connections (a cluster's YARN and Spark UIs).
 * A worker that is disconnected on purpose or removed takes its tunnels with it.
 */
export function createTunnelsDomain(core: Pick<Core, 'bus'>, deps: { workers: WorkersDomain }): TunnelsDomain {
  const tunnels = new Tunnels((workerId) => deps.workers.connect(workerId));
  const stopWatching = core.bus.on('workers:state', ({ workerId, state }) => {
    if (state === 'disconnected') tunnels.closeFor(workerId);
  });
  deps.workers.onRemoved(async (workerId) => tunnels.closeFor(workerId));
  return {
    tunnels,
    handlers: {
      'tunnels:open': (request) => tunnels.open(request),
      'tunnels:list': () => tunnels.list(),
      'tunnels:close': ({ id }) => {
        tunnels.close(id);
        return null;
      },
    },
    close: () => {
      stopWatching();
      tunnels.closeAll();
    },
  };
}
