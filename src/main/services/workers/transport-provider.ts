import { posix } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { SshConnections } from '../ssh/connection-manager.ts';
import { execRemote } from '../ssh/ssh-transport.ts';
import { SshTransport } from '../ssh/ssh-transport.ts';
import type { Transport } from './transport.ts';
import { LOCAL_WORKER_ID, type WorkerRegistry } from './worker-registry.ts';

/**
 * The Transport for each worker: this computer's, or SSH to a worker, rooted in the worker's
 * work folder (default ~/.workbench, resolved once on the worker itself).
 */
export class TransportProvider {
  private readonly transports = new Map<string, Promise<Transport>>();

  constructor(
    private readonly local: Transport,
    private readonly workers: WorkerRegistry,
    private readonly connections: SshConnections,
  ) {}

  /** Drops a removed worker's transport, so nothing reaches it through a stale one. */
  forget(workerId: string): void {
    this.transports.delete(workerId);
  }

  get(workerId: string): Promise<Transport> {
    if (workerId === LOCAL_WORKER_ID) return Promise.resolve(this.local);
    let transport = this.transports.get(workerId);
    if (!transport) {
      transport = this.open(workerId);
      this.transports.set(workerId, transport);
      transport.catch(() => this.transports.delete(workerId));
    }
    return transport;
  }

  private async open(workerId: string): Promise<Transport> {
    const worker = await this.workers.get(workerId);
    const connect = async () => this.connections.client(await this.workers.endpoint(workerId));
    let root = worker.workDir ?? '~/.workbench';
    if (root === '~' || root.startsWith('~/')) {
      const home = (await execRemote(await connect(), ['sh', '-c', 'printf %s "$HOME"'])).stdout;
      if (!posix.isAbsolute(home)) throw new WorkbenchError('UNAVAILABLE', `The worker ${worker.name} did not say where its home folder is.`);
      root = posix.join(home, root.slice(1));
    }
    if (!posix.isAbsolute(root)) throw new WorkbenchError('BAD_INPUT', `The work folder of ${worker.name} must be an absolute path or start with ~/, not "${root}".`);
    return new SshTransport(connect, root);
  }
}
