import { stat } from 'node:fs/promises';
import { basename, dirname, join, posix, sep } from 'node:path';
import type { Client } from 'ssh2';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { makeOwnFolder } from '../../../data-dir.ts';
import type { ConflictChoice, ConflictPolicy, TransferItem, TransferSnapshot } from '../../../../shared/transfer-model.ts';
import type { ConnectionState } from '../../../../shared/worker-model.ts';
import type { DocumentStore } from '../../store/document-store.ts';
import { isPlainName } from './plain-name.ts';
import { etaSeconds } from './progress.ts';
import { TransferQueue } from './queue.ts';
import type { Direction } from './run-item.ts';
import { removeUnusedStaging, unstage } from './transfer-staging.ts';
import { fromPersisted, toPersisted, TRANSFERS_DOCUMENT, type PersistedTransfer } from './transfer-store.ts';

export interface TransferServiceOptions {
  store: DocumentStore;
  /** The worker's shared connection; asked again for every item, so a reconnect is picked up. */
  connect: (workerId: string) => Promise<Client>;
  /** Receives the whole list whenever it changed (at most every `emitIntervalMs` per worker). */
  emit: (snapshot: TransferSnapshot) => void;
  /** Where downloads go when the caller names no folder; created on first use. */
  downloadDir: string;
  /**
   * Copies of files dropped on the browser workbench wait here (`<batch>/<name>`) until their
   * upload is done or cleared; an upload from inside it removes its source afterwards.
   */
  stagingDir: string;
  /** Items running at once per worker; default 2. */
  concurrency?: number;
  emitIntervalMs?: number;
  /** The worker's connection now, to tell a failure that a reconnect will undo from a final one. */
  connectionState?: (workerId: string) => ConnectionState;
  /** Persisting failed (disk full ...): the transfers go on, the user should know. */
  onPersistError?: (err: unknown) => void;
}

export interface TransferOptions {
  conflict?: ConflictChoice;
}

type Finished = 'done' | 'failed' | 'cancelled';

/** How soon the list is rewritten when only files written (or answers given) changed. */
const HISTORY_PERSIST_MS = 2000;

/** Attempts after a dropped connection before an item stays failed (it can still be retried by hand). */
const AUTO_RETRIES = 3;
const FINISHED = new Set<string>(['done', 'failed', 'cancelled']);

/**
 * One transfer, under the id its queue gave it: in its worker's queue, or restored from the last
 * session and not started yet.
 */
interface Entry {
  workerId: string;
  /** Times in a row this item was run again after a dropped connection. */
  autoRetries: number;
  /** It was running when its worker reconnected: on the old connection, so a failure now is the drop's. */
  retryIfFails?: boolean;
  /** Set while it only exists on disk (before a retry puts it in its worker's queue). */
  restored?: PersistedTransfer;
}

/**
 * Uploads and downloads of every worker: one TransferQueue per worker on its one connection,
 * items named by ids that stay valid across restarts, unfinished items kept in the data dir.
 * Other services use it too (`download` + `settled`), e.g. to fetch a run's results.
 */
export class TransferService {
  private readonly queues = new Map<string, TransferQueue>();
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Map<string, Array<(item: TransferItem) => void>>();
  /** What was last written, to write again only when a state or history changed. */
  private persistedKey = '';
  private persisting: Promise<void> | undefined;
  private dirty = false;
  private closing = false;
  private historyTimer: NodeJS.Timeout | undefined;
  /** Uploads whose staged source was already removed. */
  private readonly unstaged = new Set<string>();

  constructor(private readonly options: TransferServiceOptions) {}

  /** Offers the transfers an earlier session left unfinished; those that were moving become 'interrupted'. */
  async load(): Promise<void> {
    const { items } = await this.options.store.read(TRANSFERS_DOCUMENT);
    for (const item of items) {
      if (this.entries.has(item.id) || item.state === 'done') continue;
      const state = FINISHED.has(item.state) ? item.state : 'interrupted';
      this.entries.set(item.id, { workerId: item.workerId, autoRetries: 0, restored: { ...item, state } });
    }
    this.persistedKey = this.persistKey();
    await removeUnusedStaging(this.options.stagingDir, [...this.entries.values()].map((e) => e.restored?.localPath).filter((p): p is string => p !== undefined));
  }

  get downloadDir(): string {
    return this.options.downloadDir;
  }

  get stagingDir(): string {
    return this.options.stagingDir;
  }

  /** Queues files or folders of this computer to go into `remoteDir` on the worker. */
  upload(workerId: string, localPaths: string[], remoteDir: string, options: TransferOptions = {}): string[] {
    checkWorker(workerId);
    const requests = localPaths.map((localPath) => {
      const name = basename(localPath);
      if (name === '' || name === '.' || name === '..') throw new WorkbenchError('BAD_INPUT', `Cannot upload ${localPath} itself; pick files or folders inside it.`);
      return { localPath, remotePath: posix.join(remoteDir, name) };
    });
    return requests.map((request) => this.add(workerId, 'upload', request, options.conflict));
  }

  /** Queues files or folders of the worker to go into `localDir` here (default: the downloads folder). */
  async download(workerId: string, remotePaths: string[], localDir?: string, options: TransferOptions = {}): Promise<string[]> {
    checkWorker(workerId);
    const dir = localDir ?? this.options.downloadDir;
    // The downloads folder is the app's own (in its data dir): a link there is refused by name.
    if (localDir === undefined) await makeOwnFolder(dirname(dir), dir);
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new WorkbenchError('BAD_INPUT', `${dir} is not a folder on this computer; create it or pick another folder for the download.`);
    const requests = remotePaths.map((remotePath) => {
      const name = posix.basename(remotePath);
      if (name === '' || name === '.' || name === '..') throw new WorkbenchError('BAD_INPUT', `Cannot download ${remotePath} itself; pick files or folders inside it.`);
      // A worker's file may be named "..\\x": legal there, a way out of `dir` on Windows.
      if (!isPlainName(name)) throw new WorkbenchError('BAD_INPUT', `${remotePath} cannot keep its name on this computer, where "${sep}" separates folders; rename it on the worker first.`);
      return { localPath: join(dir, name), remotePath };
    });
    return requests.map((request) => this.add(workerId, 'download', request, options.conflict));
  }

  snapshot(): TransferSnapshot {
    const items: TransferItem[] = [];
    const total = { bytesDone: 0, bytesTotal: 0, bytesPerSecond: 0, running: 0, queued: 0, waiting: 0 };
    for (const queue of this.queues.values()) {
      const snap = queue.snapshot();
      for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += snap.total[key];
    }
    const queued = this.queueItems();
    for (const [id, entry] of this.entries) {
      const item = queued.get(id) ?? (entry.restored && fromPersisted(entry.restored));
      if (item) items.push(item);
    }
    return { items, total: { ...total, etaSeconds: etaSeconds(total.bytesTotal - total.bytesDone, total.bytesPerSecond) }, downloadDir: this.options.downloadDir };
  }

  item(id: string): TransferItem {
    const found = this.snapshot().items.find((item) => item.id === id);
    if (!found) throw new WorkbenchError('NOT_FOUND', `There is no transfer ${id}; it may have been cleared from the list.`);
    return found;
  }

  /**
   * A worker's connection changed. Connected (again): transfers that failed because the link
   * dropped run again, from their part files. While it is reconnecting such a failure is not
   * final yet, so `settled` waits; once the app gives up (or the user disconnects), it is.
   */
  connectionChanged(workerId: string, state: ConnectionState): void {
    if (state === 'connected') {
      const queued = this.queueItems();
      for (const [id, entry] of this.entries) {
        const item = queued.get(id);
        if (entry.workerId !== workerId || !item) continue;
        if (item.state === 'running' || item.state === 'waiting') entry.retryIfFails = true;
        else this.retryAfterDrop(entry, item);
      }
    }
    this.changed();
  }

  private retryAfterDrop(entry: Entry, item: TransferItem): void {
    entry.retryIfFails = false;
    if (item.state !== 'failed' || !item.error?.retryable || entry.autoRetries >= AUTO_RETRIES) return;
    entry.autoRetries++;
    this.queueOf(entry).retry(item.id);
  }

  /** Resolves with the item once it is done, failed (for good) or cancelled. */
  settled(id: string): Promise<TransferItem & { state: Finished }> {
    const item = this.item(id);
    if (FINISHED.has(item.state)) return Promise.resolve(item as TransferItem & { state: Finished });
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve as (item: TransferItem) => void);
      this.waiters.set(id, list);
    });
  }

  cancel(id: string): void {
    const entry = this.entry(id);
    if (entry.restored) {
      if (entry.restored.state === 'interrupted') entry.restored.state = 'cancelled';
      this.changed();
    } else {
      this.queueOf(entry).cancel(id);
    }
  }

  /** Runs a failed, cancelled or interrupted transfer again; the engine continues from its part files. */
  retry(id: string): void {
    const entry = this.entry(id);
    const restored = entry.restored;
    if (restored) {
      entry.restored = undefined;
      const { direction, localPath, remotePath, conflict, createdAt, history } = restored;
      this.queueOf(entry).add({ id, direction, localPath, remotePath, conflict, createdAt, history });
      this.changed();
    } else {
      entry.autoRetries = 0;
      this.queueOf(entry).retry(id);
    }
  }

  resolveConflict(id: string, choice: ConflictPolicy, applyToAll = false): void {
    const entry = this.entry(id);
    if (this.item(id).state !== 'waiting') throw new WorkbenchError('BAD_INPUT', `Transfer ${id} is not waiting for an answer (it may have been cancelled).`);
    this.queueOf(entry).resolveConflict(id, choice, { applyToAll });
  }

  /** Drops done, failed and cancelled transfers from the list and from the data dir. */
  clearFinished(): void {
    const before = this.snapshot().items;
    for (const queue of this.queues.values()) queue.clearFinished();
    const queued = this.queueItems();
    for (const [id, entry] of this.entries) {
      const gone = entry.restored ? FINISHED.has(entry.restored.state) : !queued.has(id);
      if (!gone) continue;
      this.entries.delete(id);
      const item = before.find((i) => i.id === id);
      // A failed or cancelled upload of dropped files will not be retried now: drop the copies.
      if (item?.direction === 'upload') void unstage(this.options.stagingDir, item.localPath);
    }
    this.changed();
  }

  /** Writes what is unfinished (moving items as they are, so the next start offers them), then stops every transfer. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.historyTimer);
    this.dirty = true;
    await this.flush();
    for (const queue of this.queues.values()) queue.cancelAll();
  }

  /** Resolves once the list on disk is up to date. */
  async flush(): Promise<void> {
    if (this.dirty && !this.persisting) this.persist(true);
    await this.persisting;
  }

  /** Failed because the connection dropped, and the connection is coming back: not the end yet. */
  private willRetry(item: TransferItem): boolean {
    const state = this.options.connectionState?.(item.workerId);
    const entry = this.entries.get(item.id);
    return item.state === 'failed' && !!item.error?.retryable && (state === 'reconnecting' || state === 'connecting') && (entry?.autoRetries ?? 0) < AUTO_RETRIES;
  }

  private add(workerId: string, direction: Direction, request: { localPath: string; remotePath: string }, conflict?: ConflictChoice): string {
    // The queue reports changes on a timer, so the entry is in place before it does.
    const id = this.queue(workerId).add({ direction, ...request, ...(conflict === undefined ? {} : { conflict }) });
    this.entries.set(id, { workerId, autoRetries: 0 });
    this.changed();
    return id;
  }

  /** Every queued transfer as it is now, by id. */
  private queueItems(): Map<string, TransferItem> {
    const out = new Map<string, TransferItem>();
    for (const queue of this.queues.values()) for (const item of queue.snapshot().items) out.set(item.id, item);
    return out;
  }

  private queue(workerId: string): TransferQueue {
    let queue = this.queues.get(workerId);
    if (!queue) {
      queue = new TransferQueue({
        workerId,
        client: () => this.options.connect(workerId),
        ...(this.options.concurrency === undefined ? {} : { concurrency: this.options.concurrency }),
        emitIntervalMs: this.options.emitIntervalMs ?? 100,
      });
      queue.subscribe(() => this.changed());
      this.queues.set(workerId, queue);
    }
    return queue;
  }

  private queueOf(entry: Entry): TransferQueue {
    return this.queue(entry.workerId);
  }

  private entry(id: string): Entry {
    const entry = this.entries.get(id);
    if (!entry) throw new WorkbenchError('NOT_FOUND', `There is no transfer ${id}; it may have been cleared from the list.`);
    return entry;
  }

  /** Something changed: tell subscribers, wake waiters, and persist when states or histories moved. */
  private changed(): void {
    for (const [id, item] of this.queueItems()) {
      const entry = this.entries.get(id);
      if (!entry) continue;
      if (entry.retryIfFails && item.state !== 'running' && item.state !== 'waiting') this.retryAfterDrop(entry, item);
      if (item.state === 'done') entry.autoRetries = 0;
    }
    const snapshot = this.snapshot();
    this.options.emit(snapshot);
    for (const item of snapshot.items) {
      if (item.state === 'done' && item.direction === 'upload' && !this.unstaged.has(item.id)) {
        this.unstaged.add(item.id);
        void unstage(this.options.stagingDir, item.localPath);
      }
      if (!FINISHED.has(item.state) || this.willRetry(item)) continue;
      const waiting = this.waiters.get(item.id);
      if (!waiting) continue;
      this.waiters.delete(item.id);
      for (const resolve of waiting) resolve(item);
    }
    if (this.closing) return;
    const key = this.persistKey();
    if (key === this.persistedKey) return;
    // A state changed: write now. Only files written or answers given: soon, not for every file.
    if (stateKey(key) !== stateKey(this.persistedKey)) this.persist();
    else this.historyTimer ??= setTimeout(() => {
      this.historyTimer = undefined;
      if (!this.closing) this.persist();
    }, HISTORY_PERSIST_MS);
  }

  private persistable(): PersistedTransfer[] {
    const out: PersistedTransfer[] = [];
    const queued = this.queueItems();
    for (const [id, entry] of this.entries) {
      if (entry.restored) {
        out.push(entry.restored);
        continue;
      }
      const item = queued.get(id);
      if (!item || item.state === 'done') continue;
      out.push(toPersisted(item, this.queueOf(entry).history(id)));
    }
    return out;
  }

  /** Bytes move all the time; the file is rewritten only when what a restart needs changed. */
  private persistKey(items = this.persistable()): string {
    return JSON.stringify(items.map((item) => [item.id, item.state, item.conflict, Object.keys(item.history.written).length, Object.keys(item.history.decisions).length, Object.keys(item.history.renamed).length]));
  }

  private persist(force = false): void {
    this.dirty = true;
    if (this.persisting || (this.closing && !force)) return;
    this.persisting = (async () => {
      while (this.dirty) {
        this.dirty = false;
        const items = this.persistable();
        const key = this.persistKey(items);
        try {
          await this.options.store.write(TRANSFERS_DOCUMENT, { items });
          this.persistedKey = key;
        } catch (err) {
          this.options.onPersistError?.(err);
        }
      }
    })().finally(() => {
      this.persisting = undefined;
    });
  }
}

/** The part of a persist key that says which transfers there are and their states. */
function stateKey(key: string): string {
  return key === '' ? '' : JSON.stringify((JSON.parse(key) as unknown[][]).map((row) => row.slice(0, 3)));
}

function checkWorker(workerId: string): void {
  if (workerId === 'local') throw new WorkbenchError('BAD_INPUT', 'This computer is not reached over SSH: transfers go to and from SSH and EC2 workers.');
}
