import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WorkbenchError } from '../../../shared/errors.ts';
import { SshWorkerSpec, WorkerId, type WorkerInfo } from '../../../shared/worker-model.ts';
import type { SshConnections, SshEndpoint } from '../ssh/connection-manager.ts';
import { listDocument, type DocumentStore } from '../store/document-store.ts';

const StoredSshWorker = SshWorkerSpec.extend({ id: WorkerId });
type StoredSshWorker = z.infer<typeof StoredSshWorker>;

export const WORKERS_DOCUMENT = listDocument('workers', StoredSshWorker, 'the SSH workers you added (add them again under Workers)');

export const LOCAL_WORKER_ID = 'local';

/**
 * Workers another service keeps (EC2 workers, Spark clusters' master nodes): listed beside the
 * SSH hosts and reached through the same connections, by an endpoint of their own (their
 * address, key, and pinned host key when there is one).
 */
export interface WorkerSource {
  /** Whether the id is one of this source's (EC2 ids start with "ec2-", clusters' with "emr-"). */
  owns(workerId: string): boolean;
  /** The workers to list; `state` is filled in from the connections. */
  list(): Promise<WorkerInfo[]>;
  /** One worker, listed or not (a terminated one is still described, for its runs). */
  info(workerId: string): Promise<WorkerInfo>;
  endpoint(workerId: string): Promise<SshEndpoint>;
  /** Why such a worker is not removed from the list, and what to do instead. */
  removeHint?: string;
  /** The Spark master runs on this worker use, when it has one of its own (a cluster's YARN). */
  sparkMaster?(workerId: string): string | undefined;
}

/** What reaching a worker needs to know of it, whatever keeps it. */
export interface WorkerPlace {
  id: string;
  name: string;
  workDir?: string;
}

/**
 * The workers the user has: this computer, SSH hosts (an address or an ssh_config alias) kept
 * in the data dir, and those of the WorkerSources (EC2 workers, Spark clusters). Connecting goes
 * through the shared SSH connections.
 */
export class WorkerRegistry {
  private readonly messages = new Map<string, string>();

  constructor(
    private readonly store: DocumentStore,
    private readonly connections: SshConnections,
    private readonly sources: WorkerSource[] = [],
  ) {}

  /** The source that keeps this worker, if another service does. */
  private sourceOf(workerId: string): WorkerSource | undefined {
    return this.sources.find((source) => source.owns(workerId));
  }

  async list(): Promise<WorkerInfo[]> {
    const ssh = await this.store.read(WORKERS_DOCUMENT);
    const others = (await Promise.all(this.sources.map((source) => source.list()))).flat();
    return [{ id: LOCAL_WORKER_ID, kind: 'local', name: 'This computer', state: 'connected' }, ...ssh.map((w) => this.info(w)), ...others.map((w) => this.withState(w))];
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
    const source = this.sourceOf(workerId);
    if (source) {
      throw new WorkbenchError('BAD_INPUT', source.removeHint ?? 'An EC2 worker is not removed but terminated: use Terminate in the EC2 workers list (it ends the instance and its disk).');
    }
    await this.stored(workerId);
    this.connections.disconnect(workerId);
    await this.store.update(WORKERS_DOCUMENT, (workers) => workers.filter((w) => w.id !== workerId));
  }

  /** A remote worker's name and work folder (this computer needs no connection). */
  async get(workerId: string): Promise<WorkerPlace> {
    const source = this.sourceOf(workerId);
    if (source) {
      const { id, name, workDir } = await source.info(workerId);
      return { id, name, ...(workDir ? { workDir } : {}) };
    }
    return this.stored(workerId);
  }

  private async stored(workerId: string): Promise<StoredSshWorker> {
    if (workerId === LOCAL_WORKER_ID) throw new WorkbenchError('BAD_INPUT', 'This computer needs no connection.');
    const worker = (await this.store.read(WORKERS_DOCUMENT)).find((w) => w.id === workerId);
    if (!worker) throw new WorkbenchError('NOT_FOUND', `There is no worker ${workerId}.`);
    return worker;
  }

  async endpoint(workerId: string): Promise<SshEndpoint> {
    const source = this.sourceOf(workerId);
    if (source) return source.endpoint(workerId);
    const worker = await this.stored(workerId);
    return { workerId, name: worker.name, host: worker.host, ...(worker.user ? { user: worker.user } : {}), ...(worker.port ? { port: worker.port } : {}) };
  }

  /** The Spark master of runs on this worker when it has one of its own; undefined: a local Spark there. */
  sparkMaster(workerId: string): string | undefined {
    return this.sourceOf(workerId)?.sparkMaster?.(workerId);
  }

  async connect(workerId: string): Promise<WorkerInfo> {
    try {
      await this.connections.client(await this.endpoint(workerId));
      this.messages.delete(workerId);
    } catch (err) {
      this.messages.set(workerId, (err as Error).message);
      throw err;
    }
    return this.describe(workerId);
  }

  async disconnect(workerId: string): Promise<WorkerInfo> {
    this.connections.disconnect(workerId);
    return this.describe(workerId);
  }

  /** One worker as the list shows it (a source's listed or not: a terminated cluster is still described). */
  async describe(workerId: string): Promise<WorkerInfo> {
    const source = this.sourceOf(workerId);
    if (source) return this.withState(await source.info(workerId));
    return this.info(await this.stored(workerId));
  }

  /** A source's worker with its connection state; a failed connection's reason is its message. */
  private withState(worker: WorkerInfo): WorkerInfo {
    const state = this.connections.state(worker.id);
    const failure = state === 'failed' ? this.messages.get(worker.id) : undefined;
    return { ...worker, state, ...(failure ? { message: failure } : {}) };
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
