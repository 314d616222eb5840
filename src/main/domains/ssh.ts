import { homedir } from 'node:os';
import { join } from 'node:path';
import { clusterEnded } from '../../shared/cluster-model.ts';
import { SshConnections } from '../services/ssh/connection-manager.ts';
import { KnownHosts } from '../services/ssh/known-hosts.ts';
import type { Core, Domain } from './domain.ts';

export interface SshDomain extends Domain {
  /** One shared connection per worker, host keys pinned in <dataDir>/known_hosts. */
  connections: SshConnections;
}

/**
 * Where the user's own ssh_config is: ~/.ssh/config, read only. WORKBENCH_USER_SSH_CONFIG
 * points elsewhere (tests use it so they never read the machine's configuration).
 */
function userSshConfig(env: NodeJS.ProcessEnv): string {
  return env['WORKBENCH_USER_SSH_CONFIG'] ?? join(homedir(), '.ssh', 'config');
}

/**
 * SSH connections, shared by everything that reaches a worker (EC2 deadlines, terminals, files,
 * transfers, runs). No calls of its own: the workers domain answers for workers and host keys.
 * A terminated Spark cluster's master is disconnected and its accepted host key forgotten.
 */
export function createSshDomain(core: Pick<Core, 'dataDir' | 'bus'>, options: { env?: NodeJS.ProcessEnv } = {}): SshDomain {
  const env = options.env ?? process.env;
  const connections = new SshConnections({
    knownHosts: new KnownHosts(join(core.dataDir, 'known_hosts')),
    configSources: () => [
      { path: join(core.dataDir, 'ssh_config'), includeBase: core.dataDir },
      { path: userSshConfig(env), includeBase: join(homedir(), '.ssh') },
    ],
    onState: (state) => core.bus.emit('workers:state', state, state.workerId),
    onHostKey: (pending) => core.bus.emit('workers:host-key', pending, pending.workerId),
    env,
  });
  // A terminated cluster's master is gone for good: the key accepted for its name goes with it.
  const forgotten = new Set<string>();
  const stopWatchingClusters = core.bus.on('clusters:changed', ({ clusters }) => {
    for (const cluster of clusters) {
      if (!clusterEnded(cluster.state) || !cluster.masterAddress || forgotten.has(cluster.id)) continue;
      forgotten.add(cluster.id);
      connections.disconnect(cluster.id);
      void connections.forgetHostKey(cluster.masterAddress).catch(() => forgotten.delete(cluster.id));
    }
  });
  return {
    connections,
    handlers: {},
    close: () => {
      stopWatchingClusters();
      connections.closeAll();
    },
  };
}
