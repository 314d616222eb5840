import { randomBytes } from 'node:crypto';
import type { Client } from 'ssh2';
import { toWireError, WorkbenchError } from '../../../../shared/errors.ts';
import type { ConflictChoice, ConflictPolicy, TransferItem, TransferSnapshot, TransferState } from '../../../../shared/transfer-model.ts';
import type { Conflict } from './conflict.ts';
import { etaSeconds, SpeedMeter } from './progress.ts';
import { runTransfer, type TransferRequest } from './run-item.ts';
import { SftpSession } from './sftp.ts';
import type { ItemHistory } from './transfer-store.ts';

/**
 * The transfer queue behind the Files view: one worker's transfers run a few at a time, each on
 * its own SFTP channel of the worker's one connection; progress goes to subscribers at most
 * every `emitIntervalMs`, so the app can forward every snapshot as an event. Its items are the
 * contract's TransferItem, under the ids the app and the CLI use.
 */

export type QueueSnapshot = Omit<TransferSnapshot, 'downloadDir'>;

/** A transfer to queue: a new one, or one an earlier session left (under its id, with what it did). */
export interface QueueRequest extends TransferRequest {
  /** Default: the queue's policy. */
  conflict?: ConflictChoice;
  /** Given for a transfer of an earlier session, which keeps its id and age. */
  id?: string;
  createdAt?: string;
  history?: ItemHistory;
}

export interface TransferQueueOptions {
  /** The worker whose connection the queue uses. */
  workerId: string;
  /** The worker's connection; asked again for every item, so a reconnect is picked up. */
  client: () => Client | Promise<Client>;
  /** Items running at once; default 2. */
  concurrency?: number;
  /** Policy for items that set none: default 'ask'. */
  conflict?: ConflictChoice;
  verify?: boolean;
  requests?: number;
  emitIntervalMs?: number;
  now?: () => number;
}

/** An item and what only the queue needs while it runs. */
interface Entry {
  item: TransferItem;
  controller?: AbortController;
  moved: number;
  reused: number;
  meter: SpeedMeter;
  history: ItemHistory;
  answer?: (policy: ConflictPolicy) => void;
}

const newTransferId = (): string => `tr-${randomBytes(5).toString('hex')}`;

const FINISHED: TransferState[] = ['done', 'failed', 'cancelled'];

export class TransferQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(snapshot: QueueSnapshot) => void>();
  private readonly totalMeter = new SpeedMeter();
  private readonly now: () => number;
  private defaultConflict: ConflictChoice;
  private running = 0;
  /** Bytes moved by all items, for the total speed. */
  private totalMoved = 0;
  private lastEmit = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: TransferQueueOptions) {
    this.now = options.now ?? Date.now;
    this.defaultConflict = options.conflict ?? 'ask';
  }

  /** Queues a transfer; returns its id. */
  add(request: QueueRequest): string {
    const item: TransferItem = {
      id: request.id ?? newTransferId(),
      workerId: this.options.workerId,
      direction: request.direction,
      localPath: request.localPath,
      remotePath: request.remotePath,
      state: 'queued',
      conflict: request.conflict ?? this.defaultConflict,
      bytesDone: 0,
      bytesTotal: 0,
      bytesPerSecond: 0,
      createdAt: request.createdAt ?? new Date(this.now()).toISOString(),
    };
    if (this.entries.has(item.id)) throw new WorkbenchError('BAD_INPUT', `Transfer ${item.id} is in the queue already.`);
    const history = { written: { ...request.history?.written }, decisions: { ...request.history?.decisions }, renamed: { ...request.history?.renamed } };
    this.entries.set(item.id, { item, moved: 0, reused: 0, meter: new SpeedMeter(), history });
    this.changed();
    this.pump();
    return item.id;
  }

  /** Stops an item; its part file stays, so retry() resumes it. */
  cancel(id: string): void {
    const entry = this.get(id);
    if (FINISHED.includes(entry.item.state)) return;
    if (entry.controller !== undefined) {
      entry.controller.abort();
    } else {
      entry.item.state = 'cancelled';
      this.changed();
    }
  }

  cancelAll(): void {
    for (const id of this.entries.keys()) this.cancel(id);
  }

  /** Runs a failed or cancelled item again, continuing from its part file. */
  retry(id: string): void {
    const entry = this.get(id);
    if (entry.item.state !== 'failed' && entry.item.state !== 'cancelled') return;
    const { bytesReused: _reused, etaSeconds: _eta, error: _error, result: _result, ...kept } = entry.item;
    entry.item = { ...kept, state: 'queued', bytesDone: 0, bytesPerSecond: 0 };
    Object.assign(entry, { moved: 0, reused: 0 });
    entry.meter.reset();
    this.changed();
    this.pump();
  }

  /** Answers a waiting item; with applyToAll, every later conflict (and every waiting one) too. */
  resolveConflict(id: string, policy: ConflictPolicy, options: { applyToAll?: boolean } = {}): void {
    if (options.applyToAll) {
      this.setConflictPolicy(policy);
    }
    const entry = this.get(id);
    entry.answer?.(policy);
  }

  /** "Apply to all": items that would ask use `policy` instead, including those waiting now. */
  setConflictPolicy(policy: ConflictPolicy): void {
    this.defaultConflict = policy;
    for (const entry of this.entries.values()) {
      if (entry.item.conflict !== 'ask') continue;
      entry.item.conflict = policy;
      entry.answer?.(policy);
    }
  }

  /** Drops finished items from the list (and from the totals). */
  clearFinished(): void {
    for (const [id, entry] of this.entries) if (FINISHED.includes(entry.item.state)) this.entries.delete(id);
    this.changed();
  }

  /** A copy of what the item's attempts so far wrote and decided (to persist it). */
  history(id: string): ItemHistory {
    const { history } = this.get(id);
    return { written: { ...history.written }, decisions: { ...history.decisions }, renamed: { ...history.renamed } };
  }

  subscribe(listener: (snapshot: QueueSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once nothing is queued, running or waiting. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  snapshot(): QueueSnapshot {
    const items = [...this.entries.values()].map((entry) => ({ ...entry.item }));
    const counted = items.filter((item) => item.state !== 'cancelled');
    const bytesDone = counted.reduce((sum, item) => sum + item.bytesDone, 0);
    const bytesTotal = counted.reduce((sum, item) => sum + item.bytesTotal, 0);
    const bytesPerSecond = this.totalMeter.bytesPerSecond();
    const count = (state: TransferState): number => items.filter((item) => item.state === state).length;
    return {
      items,
      total: { bytesDone, bytesTotal, bytesPerSecond, etaSeconds: etaSeconds(bytesTotal - bytesDone, bytesPerSecond), running: count('running'), queued: count('queued'), waiting: count('waiting') },
    };
  }

  private get(id: string): Entry {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new WorkbenchError('NOT_FOUND', `No transfer ${id} in the queue.`);
    return entry;
  }

  private isIdle(): boolean {
    return [...this.entries.values()].every((entry) => FINISHED.includes(entry.item.state));
  }

  private pump(): void {
    const limit = Math.max(1, this.options.concurrency ?? 2);
    for (const entry of this.entries.values()) {
      if (this.running >= limit) break;
      if (entry.item.state !== 'queued') continue;
      this.running++;
      void this.run(entry).finally(() => {
        this.running--;
        this.pump();
        this.changed();
        if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
    }
  }

  private async run(entry: Entry): Promise<void> {
    const { item } = entry;
    const controller = new AbortController();
    entry.controller = controller;
    item.state = 'running';
    this.changed();
    let session: SftpSession | undefined;
    try {
      session = await SftpSession.open(await this.options.client());
      const result = await runTransfer(session, item, {
        signal: controller.signal,
        verify: this.options.verify,
        requests: this.options.requests,
        resolveConflict: (conflict) => this.ask(entry, conflict, controller.signal),
        renames: {
          earlier: (path) => entry.history.renamed[path],
          chosen: (path, target) => {
            entry.history.renamed[path] = target;
          },
        },
        onPlan: (plan) => {
          item.kind = plan.kind;
          item.bytesTotal = plan.bytes;
          this.changed();
        },
        onFile: (source) => {
          item.currentFile = source;
          this.changed();
        },
        onBytes: (bytes) => {
          entry.moved += bytes;
          this.progress(entry, bytes);
        },
        onReused: (bytes) => {
          entry.reused += bytes;
          this.progress(entry, 0);
        },
        onWritten: (requested, written) => {
          entry.history.written[requested] = written;
        },
      });
      item.result = { written: result.written.length, skipped: result.skipped.length, unsupported: result.unsupported.map((u) => u.path) };
      item.state = 'done';
    } catch (err) {
      item.state = controller.signal.aborted ? 'cancelled' : 'failed';
      if (item.state === 'failed') item.error = toWireError(err);
    } finally {
      session?.close();
      entry.controller = undefined;
      delete item.currentFile;
      delete item.pendingConflict;
      item.bytesPerSecond = 0;
      delete item.etaSeconds;
    }
  }

  private ask(entry: Entry, conflict: Conflict, signal: AbortSignal): Promise<ConflictPolicy> {
    const { item, history } = entry;
    // Written by an earlier attempt of this item (and, in place, still the source's size): done.
    const written = history.written[conflict.path];
    if (written !== undefined && (written !== conflict.path || conflict.existing.size === conflict.sourceSize)) return Promise.resolve('skip');
    // Answers hold for a retry as given; a rename continues the copy it started (see RenameMemory).
    const decided = history.decisions[conflict.path];
    if (decided !== undefined) return Promise.resolve(decided);
    const remember = (policy: ConflictPolicy): ConflictPolicy => {
      history.decisions[conflict.path] = policy;
      return policy;
    };
    if (item.conflict !== 'ask') return Promise.resolve(remember(item.conflict));
    return new Promise<ConflictPolicy>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      item.state = 'waiting';
      item.pendingConflict = { path: conflict.path, existingSize: conflict.existing.size, sourceSize: conflict.sourceSize };
      entry.answer = (policy) => {
        signal.removeEventListener('abort', onAbort);
        entry.answer = undefined;
        item.state = 'running';
        delete item.pendingConflict;
        this.changed();
        resolve(remember(policy));
      };
      this.changed();
    });
  }

  private progress(entry: Entry, moved: number): void {
    const at = this.now();
    const { item } = entry;
    item.bytesDone = entry.moved + entry.reused;
    if (entry.reused > 0) item.bytesReused = entry.reused;
    entry.meter.add(at, entry.moved);
    item.bytesPerSecond = entry.meter.bytesPerSecond();
    const eta = etaSeconds(item.bytesTotal - item.bytesDone, item.bytesPerSecond);
    if (eta === undefined) delete item.etaSeconds;
    else item.etaSeconds = eta;
    this.totalMoved += moved;
    this.totalMeter.add(at, this.totalMoved);
    this.changed();
  }

  /** Emits now, or at the end of the current interval: at most one snapshot per interval. */
  private changed(): void {
    if (this.timer !== undefined) return;
    const interval = this.options.emitIntervalMs ?? 100;
    const wait = Math.max(0, this.lastEmit + interval - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastEmit = this.now();
      const snapshot = this.snapshot();
      for (const listener of this.listeners) listener(snapshot);
    }, wait);
  }
}
