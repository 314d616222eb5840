import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WorkbenchError } from '../../../shared/errors.ts';
import { SshWorkerSpec, WorkerId, type WorkerInfo } from '../../../shared/worker-model.ts';
import type { SshConnections, SshEndpoint } from '../ssh/connection-manager.ts';
import type { DocumentSpec, DocumentStore } from '../store/document-store.ts';

const StoredSshWorker = SshWorkerSpec.extend({ id: WorkerId });
type StoredSshWorker = z.infer<typeof StoredSshWorker>;

const WORKERS_DOCUMENT: DocumentSpec<StoredSshWorker[]> = {
  name: 'workers',
  version: 1,
  schema: z.array(StoredSshWorker),
  defaults: () => [],
};

export const LOCAL_WORKER_ID = 'local';

/**
 * The workers the user has: this computer, and SSH hosts (an address or an ssh_config alias),
 * kept in the data dir. Connecting goes through the shared SSH connections.
 */
export class WorkerRegistry {
  private readonly messages = new Map<string, string>();

  constructor(
    private readonly store: DocumentStore,
    private readonly connections: SshConnections,
  ) {}

  async list(): Promise<WorkerInfo[]> {
    const ssh = await this.store.read(WORKERS_DOCUMENT);
    return [{ id: LOCAL_WORKER_ID, kind: 'local', name: 'This computer', state: 'connected' }, ...ssh.map((w) => this.info(w))];
  }

  async add(spec: SshWorkerSpec): Promise<WorkerInfo> {
    const worker: StoredSshWorker = { ...spec, id: `ssh-${randomBytes(8).toString('hex').replace(/[^a-z0-9]/g, '').slice(0, 8)}` };
    await this.store.update(WORKERS_DOCUMENT, (workers) => {
      if (workers.some((w) => w.name === spec.name)) throw new WorkbenchError('BAD_INPUT', `There is already a worker named "${spec.name}"; choose another name.`);
      return [...workers, worker];
    });
    return this.info(worker);
  }

  async remove(workerId: string): Promise<void> {
    await this.get(workerId);
    this.connections.disconnect(workerId);
    await this.store.update(WORKERS_DOCUMENT, (workers) => workers.filter((w) => w.id !== workerId));
  }

  async get(workerId: string): Promise<StoredSshWorker> {
    if (workerId === LOCAL_WORKER_ID) throw new WorkbenchError('BAD_INPUT', 'This computer needs no connection.');
    const worker = (await this.store.read(WORKERS_DOCUMENT)).find((w) => w.id === workerId);
    if (!worker) throw new WorkbenchError('NOT_FOUND', `There is no worker ${workerId}.`);
    return worker;
  }

  async endpoint(workerId: string): Promise<SshEndpoint> {
    const worker = await this.get(workerId);
    return { workerId, host: worker.host, ...(worker.user ? { user: worker.user } : {}), ...(worker.port ? { port: worker.port } : {}) };
  }

  async connect(workerId: string): Promise<WorkerInfo> {
    try {
      await this.connections.client(await this.endpoint(workerId));
      this.messages.delete(workerId);
    } catch (err) {
      this.messages.set(workerId, (err as Error).message);
      throw err;
    }
    return this.info(await this.get(workerId));
  }

  async disconnect(workerId: string): Promise<WorkerInfo> {
    this.connections.disconnect(workerId);
    return this.info(await this.get(workerId));
  }

  private info(worker: StoredSshWorker): WorkerInfo {
    const state = this.connections.state(worker.id);
    const message = state === 'failed' ? this.messages.get(worker.id) : undefined;
    return {
      id: worker.id,
      kind: 'ssh',
      name: worker.name,
      host: worker.host,
      ...(worker.user ? { user: worker.user } : {}),
      ...(worker.port ? { port: worker.port } : {}),
      ...(worker.workDir ? { workDir: worker.workDir } : {}),
      state,
      ...(message ? { message } : {}),
    };
  }
}
