import type { TransferItem } from '../../../../shared/transfer-model.ts';
import type { QueueItem } from './queue.ts';
import type { PersistedTransfer } from './transfer-store.ts';

/** A queue's item as the contract shows it: under the service's id, with counts instead of file lists. */
export function fromQueue(entry: { id: string; workerId: string; createdAt: string }, item: QueueItem): TransferItem {
  return {
    id: entry.id,
    workerId: entry.workerId,
    direction: item.direction,
    localPath: item.localPath,
    remotePath: item.remotePath,
    state: item.state,
    ...(item.kind ? { kind: item.kind } : {}),
    conflict: item.conflict,
    bytesDone: item.bytesDone,
    bytesTotal: item.bytesTotal,
    bytesPerSecond: item.bytesPerSecond,
    ...(item.bytesReused === undefined ? {} : { bytesReused: item.bytesReused }),
    ...(item.etaSeconds === undefined ? {} : { etaSeconds: item.etaSeconds }),
    ...(item.currentFile === undefined ? {} : { currentFile: item.currentFile }),
    ...(item.pendingConflict
      ? { pendingConflict: { path: item.pendingConflict.path, existingSize: item.pendingConflict.existing.size, sourceSize: item.pendingConflict.sourceSize } }
      : {}),
    ...(item.result
      ? { result: { written: item.result.written.length, skipped: item.result.skipped.length, unsupported: item.result.unsupported.map((u) => u.path) } }
      : {}),
    ...(item.error ? { error: item.error } : {}),
    createdAt: entry.createdAt,
  };
}

/** A transfer kept from an earlier session, not in a queue (yet). */
export function fromRestored(item: PersistedTransfer): TransferItem {
  const { history: _history, ...rest } = item;
  return { ...rest, bytesPerSecond: 0 };
}
