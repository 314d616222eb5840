import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import type { EventHub } from '../../events.ts';
import type { Handlers } from '../../rpc.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { WorkerRegistry, type WorkerSource } from '../workers/worker-registry.ts';
import { SshConnections } from './connection-manager.ts';
import { KnownHosts } from './known-hosts.ts';
import { RemoteFiles } from './remote-files.ts';
import { TerminalService } from './terminal-service.ts';

type SshHandlers = Pick<
  Handlers,
  | 'workers:list'
  | 'workers:add-ssh'
  | 'workers:remove'
  | 'workers:connect'
  | 'workers:disconnect'
  | 'workers:pending-host-key'
  | 'workers:trust-host-key'
  | 'terminal:open'
  | 'terminal:input'
  | 'terminal:resize'
  | 'terminal:close'
  | 'files:list'
  | 'files:mkdir'
  | 'files:rename'
  | 'files:delete'
>;

export interface SshServices {
  handlers: SshHandlers;
  workers: WorkerRegistry;
  connections: SshConnections;
  /** A worker's shared connection, opened if needed (transfers, files). */
  connect(workerId: string): Promise<Client>;
  close(): void;
}

/**
 * Where the user's own ssh_config is: ~/.ssh/config, read only. WORKBENCH_USER_SSH_CONFIG
 * points elsewhere (tests use it so they never read the machine's configuration).
 */
function userSshConfig(env: NodeJS.ProcessEnv): string {
  return env['WORKBENCH_USER_SSH_CONFIG'] ?? join(homedir(), '.ssh', 'config');
}

/** SSH workers, their connections, terminals and files, bound to the contract. */
export function createSshServices(options: {
  dataDir: string;
  hub: EventHub;
  store: DocumentStore;
  env?: NodeJS.ProcessEnv;
  /** Workers kept elsewhere (EC2: own address, key and pinned host key), listed and reached with the rest. */
  source?: WorkerSource;
}): SshServices {
  const env = options.env ?? process.env;
  const { hub } = options;
  const connections = new SshConnections({
    knownHosts: new KnownHosts(join(options.dataDir, 'known_hosts')),
    configSources: () => [
      { path: join(options.dataDir, 'ssh_config'), includeBase: options.dataDir },
      { path: userSshConfig(env), includeBase: join(homedir(), '.ssh') },
    ],
    onState: (state) => hub.emit('workers:state', state, state.workerId),
    onHostKey: (pending) => hub.emit('workers:host-key', pending, pending.workerId),
    env,
  });
  const workers = new WorkerRegistry(options.store, connections, options.source);
  const connect = async (workerId: string) => connections.client(await workers.endpoint(workerId));
  const terminals = new TerminalService(connect, (data) => hub.emit('terminal:data', data, data.terminalId));
  connections.onReconnect((workerId, client) => void terminals.reconnected(workerId, client));
  const files = (workerId: string) => new RemoteFiles(() => connect(workerId));

  const handlers: SshHandlers = {
    'workers:list': () => workers.list(),
    'workers:add-ssh': (spec) => workers.add(spec),
    'workers:remove': async ({ workerId }) => {
      await workers.remove(workerId);
      return null;
    },
    'workers:connect': ({ workerId }) => workers.connect(workerId),
    'workers:disconnect': ({ workerId }) => {
      terminals.endFor(workerId);
      return workers.disconnect(workerId);
    },
    'workers:pending-host-key': ({ workerId }) => connections.pendingHostKey(workerId) ?? null,
    'workers:trust-host-key': async ({ workerId, fingerprint }) => {
      await connections.trust(await workers.endpoint(workerId), fingerprint);
      return workers.connect(workerId);
    },
    'terminal:open': async ({ workerId, cols, rows }) => ({ terminalId: await terminals.open(workerId, cols, rows) }),
    'terminal:input': ({ terminalId, data }) => {
      terminals.input(terminalId, data);
      return null;
    },
    'terminal:resize': ({ terminalId, cols, rows }) => {
      terminals.resize(terminalId, cols, rows);
      return null;
    },
    'terminal:close': ({ terminalId }) => {
      terminals.close(terminalId);
      return null;
    },
    'files:list': ({ workerId, path }) => files(workerId).list(path),
    'files:mkdir': async ({ workerId, path }) => {
      await files(workerId).mkdir(path);
      return null;
    },
    'files:rename': async ({ workerId, from, to }) => {
      await files(workerId).rename(from, to);
      return null;
    },
    'files:delete': async ({ workerId, path }) => {
      await files(workerId).delete(path);
      return null;
    },
  };

  return {
    handlers,
    workers,
    connections,
    connect,
    close: () => {
      terminals.closeAll();
      connections.closeAll();
    },
  };
}
