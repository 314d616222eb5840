import { describe, expect, it } from 'vitest';
import { fromPersisted, PersistedTransfer, toPersisted } from '../../../../../src/main/services/ssh/transfers/transfer-store.ts';
import type { TransferItem } from '../../../../../src/shared/transfer-model.ts';

/** What a kept transfer holds of the one the list shows. */
const keptFields = {
  id: 'tr-0123456789',
  workerId: 'ssh-abcdefgh',
  direction: 'upload',
  localPath: '/home/me/data',
  remotePath: '/srv/data',
  state: 'waiting',
  kind: 'folder',
  conflict: 'ask',
  bytesDone: 1000,
  bytesTotal: 4000,
  createdAt: '2026-12-07T04:00:00.000Z',
} as const;
/** A transfer under way: on top of what is kept, what only a moving one has. */
const moving: TransferItem = {
  ...keptFields,
  bytesPerSecond: 500,
  bytesReused: 200,
  etaSeconds: 6,
  currentFile: '/home/me/data/b.csv',
  pendingConflict: { path: '/srv/data/b.csv', existingSize: 10, sourceSize: 20 },
};
const history = { written: { '/srv/data/a.csv': '/srv/data/a.csv' }, decisions: {}, renamed: {} };

describe('kept transfers', () => {
  it('are the transfer as the list shows it, without what only a moving one has, and read back as written', () => {
    const kept = toPersisted(moving, history);
    expect(kept).toEqual({ ...keptFields, history });
    expect(PersistedTransfer.parse(JSON.parse(JSON.stringify(kept)))).toEqual(kept);
    expect(fromPersisted(kept)).toEqual({ ...kept, history: undefined, bytesPerSecond: 0 });
  });

  it('saved before renames were remembered still load, with none', () => {
    const { renamed: _renamed, ...older } = history;
    expect(PersistedTransfer.parse({ ...toPersisted(moving, history), history: older }).history).toEqual(history);
  });
});
