import { z } from 'zod';
import { ConflictPolicy, TransferItem } from '../../../../shared/transfer-model.ts';
import type { DocumentSpec } from '../../store/document-store.ts';

/**
 * The transfers that are not done, as kept in the data dir: after the app is closed (or dies)
 * they are offered again, and a retry continues from the part files the engine left, without
 * asking again about files an earlier attempt wrote or conflicts already answered.
 */

/**
 * What earlier attempts of a transfer did, so a retry (in this session or after a restart) does
 * not ask again about files it wrote itself or conflicts already answered.
 */
export const ItemHistory = z.object({
  /** Destination the file was meant for -> where it was written (verified). */
  written: z.record(z.string(), z.string()),
  /** Destination that existed -> the answer given for it. */
  decisions: z.record(z.string(), ConflictPolicy),
  /** Destination that existed -> the numbered name a "rename" answer chose for it. Lists saved without it read as empty. */
  renamed: z.record(z.string(), z.string()).default({}),
});
export type ItemHistory = z.infer<typeof ItemHistory>;

/** The parts of a TransferItem that only mean something while it moves: not kept. */
const WHILE_MOVING = { bytesPerSecond: true, bytesReused: true, etaSeconds: true, currentFile: true, pendingConflict: true, result: true } as const;
type WhileMoving = keyof typeof WHILE_MOVING;

/** A transfer as kept: the contract's TransferItem without what only a moving one has, and its history. */
export const PersistedTransfer = TransferItem.omit(WHILE_MOVING).extend({ history: ItemHistory });
export type PersistedTransfer = z.infer<typeof PersistedTransfer>;

export function toPersisted(item: TransferItem, history: ItemHistory): PersistedTransfer {
  const kept: Partial<TransferItem> = { ...item };
  for (const key of Object.keys(WHILE_MOVING) as WhileMoving[]) delete kept[key];
  return { ...(kept as Omit<TransferItem, WhileMoving>), history };
}

/** A kept transfer as the list shows it before it is retried: not moving. */
export function fromPersisted(persisted: PersistedTransfer): TransferItem {
  const { history: _history, ...item } = persisted;
  return { ...item, bytesPerSecond: 0 };
}

const Document = z.object({ items: z.array(PersistedTransfer) });

export const TRANSFERS_DOCUMENT: DocumentSpec<z.infer<typeof Document>> = {
  name: 'transfers',
  version: 1,
  schema: Document,
  defaults: () => ({ items: [] }),
  holds: 'the list of transfers (unfinished ones are not offered again; their part files stay where they were)',
};
