import { z } from 'zod';
import { WireError } from '../../../../shared/errors.ts';
import { ConflictChoice, ConflictPolicy, TransferId, TransferState } from '../../../../shared/transfer-model.ts';
import { WorkerId } from '../../../../shared/worker-model.ts';
import type { DocumentSpec } from '../../store/document-store.ts';

/**
 * The transfers that are not done, as kept in the data dir: after the app is closed (or dies)
 * they are offered again, and a retry continues from the part files the engine left, without
 * asking again about files an earlier attempt wrote or conflicts already answered.
 */
export const PersistedTransfer = z.object({
  id: TransferId,
  workerId: WorkerId,
  direction: z.enum(['upload', 'download']),
  localPath: z.string(),
  remotePath: z.string(),
  conflict: ConflictChoice,
  state: TransferState,
  kind: z.enum(['file', 'folder']).optional(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  error: WireError.optional(),
  createdAt: z.string(),
  // `renamed` arrived later: histories saved before it read as empty.
  history: z.object({ written: z.record(z.string(), z.string()), decisions: z.record(z.string(), ConflictPolicy), renamed: z.record(z.string(), z.string()).default({}) }),
});
export type PersistedTransfer = z.infer<typeof PersistedTransfer>;

const Document = z.object({ items: z.array(PersistedTransfer) });

export const TRANSFERS_DOCUMENT: DocumentSpec<z.infer<typeof Document>> = {
  name: 'transfers',
  version: 1,
  schema: Document,
  defaults: () => ({ items: [] }),
  holds: 'the list of transfers (unfinished ones are not offered again; their part files stay where they were)',
};
