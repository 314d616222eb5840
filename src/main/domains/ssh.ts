import { homedir } from 'node:os';
import { join } from 'node:path';
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
  return { connections, handlers: {}, close: () => connections.closeAll() };
}
