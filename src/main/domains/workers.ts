import { join } from 'node:path';
import type { Client } from 'ssh2';
import { RemoteFiles } from '../services/ssh/remote-files.ts';
import { TerminalService } from '../services/ssh/terminal-service.ts';
import { ec2WorkerSource } from '../services/workers/ec2/ec2-worker-source.ts';
import { LocalTransport } from '../services/workers/local.ts';
import { TransportProvider } from '../services/workers/transport-provider.ts';
import { WorkerRegistry } from '../services/workers/worker-registry.ts';
import type { ClustersDomain } from './clusters.ts';
import type { Core, Domain } from './domain.ts';
import type { Ec2Domain } from './ec2.ts';
import type { SshDomain } from './ssh.ts';

type WorkerCalls =
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
  | 'files:delete';

export interface WorkersDomain extends Domain<WorkerCalls> {
  /** SSH hosts the user added, and EC2 workers and Spark clusters' master nodes listed and reached beside them. */
  registry: WorkerRegistry;
  /** This computer as a worker (worker id 'local'), rooted in <dataDir>/worker. */
  local: LocalTransport;
  /** The Transport (commands, files) of each worker, this computer's included. */
  transports: TransportProvider;
  /** A worker's shared connection, opened if needed (transfers, files). */
  connect(workerId: string): Promise<Client>;
  /**
   * Runs `listener` when a worker is removed, before `workers:remove` answers (runs on it end
   * with it). Awaited, unlike a bus event, so the caller sees its effect in the answer.
   */
  onRemoved(listener: (workerId: string) => Promise<void>): void;
}

/** Every worker (this computer, SSH hosts, EC2 workers, clusters' master nodes): the list, host keys, terminals, remote files. */
export function createWorkersDomain(core: Pick<Core, 'dataDir' | 'store' | 'bus'>, deps: { ssh: SshDomain; ec2: Ec2Domain; clusters?: ClustersDomain }): WorkersDomain {
  const { connections } = deps.ssh;
  // EC2 workers and clusters' master nodes are reached through the same SSH connections
  // (terminals, files), each by its own endpoint.
  const sources = [ec2WorkerSource(deps.ec2.workers), ...(deps.clusters ? [deps.clusters.workerSource] : [])];
  const registry = new WorkerRegistry(core.store, connections, sources);
  const local = new LocalTransport(join(core.dataDir, 'worker'));
  const transports = new TransportProvider(local, registry, connections);
  const connect = async (workerId: string) => connections.client(await registry.endpoint(workerId));
  const terminals = new TerminalService(connect, (data) => core.bus.emit('terminal:data', data, data.terminalId));
  connections.onReconnect((workerId, client) => void terminals.reconnected(workerId, client));
  const files = (workerId: string) => new RemoteFiles(() => connect(workerId));
  const removed: ((workerId: string) => Promise<void>)[] = [];

  return {
    registry,
    local,
    transports,
    connect,
    onRemoved: (listener) => void removed.push(listener),
    handlers: {
      'workers:list': () => registry.list(),
      'workers:add-ssh': (spec) => registry.add(spec),
      'workers:remove': async ({ workerId }) => {
        await registry.remove(workerId);
        // Nothing reaches a removed worker through a transport opened before.
        transports.forget(workerId);
        for (const listener of removed) await listener(workerId);
        return null;
      },
      'workers:connect': ({ workerId }) => registry.connect(workerId),
      'workers:disconnect': ({ workerId }) => {
        terminals.endFor(workerId);
        return registry.disconnect(workerId);
      },
      'workers:pending-host-key': ({ workerId }) => connections.pendingHostKey(workerId) ?? null,
      'workers:trust-host-key': async ({ workerId, fingerprint }) => {
        await connections.trust(await registry.endpoint(workerId), fingerprint);
        return registry.connect(workerId);
      },
      'terminal:open': async ({ workerId, cols, rows }) => ({ terminalId: await terminals.open(workerId, cols, rows) }),
      'terminal:input': ({ terminalId, data }) => (terminals.input(terminalId, data), null),
      'terminal:resize': ({ terminalId, cols, rows }) => (terminals.resize(terminalId, cols, rows), null),
      'terminal:close': ({ terminalId }) => (terminals.close(terminalId), null),
      'files:list': ({ workerId, path }) => files(workerId).list(path),
      'files:mkdir': async ({ workerId, path }) => (await files(workerId).mkdir(path), null),
      'files:rename': async ({ workerId, from, to }) => (await files(workerId).rename(from, to), null),
      'files:delete': async ({ workerId, path }) => (await files(workerId).delete(path), null),
    },
    close: () => terminals.closeAll(),
  };
}
