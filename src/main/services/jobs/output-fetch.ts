import { copyFile, mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { TransferService } from '../ssh/transfers/transfer-service.ts';

/** How often a download's bytes are read off the transfer queue for the run's progress. */
const PROGRESS_MS = 250;

/** Copies files of one worker to this computer, one after another, reporting bytes as they move. */
export interface FetchSession {
  fetch(remotePath: string, localPath: string, onBytes: (bytes: number) => void): Promise<void>;
  close(): void;
}

/** This computer's own run folders: a plain copy. */
export function localFetchSession(): FetchSession {
  return {
    async fetch(from, to, onBytes) {
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
      onBytes((await stat(to)).size);
    },
    close() {},
  };
}

/**
 * A worker's files through the transfer queue (they show in the Files view's transfers):
 * resumable from a part file after a dropped connection, and each file's SHA-256 compared with
 * the worker's before it is put in place. A file of the same name here is replaced.
 */
export function transferFetchSession(transfers: TransferService, workerId: string): FetchSession {
  return {
    async fetch(from, to, onBytes) {
      await mkdir(dirname(to), { recursive: true });
      const [id] = await transfers.download(workerId, [from], dirname(to), { conflict: 'overwrite' });
      if (!id) throw new WorkbenchError('INTERNAL', `The download of ${from} was not queued.`);
      let reported = 0;
      const report = (done: number) => {
        if (done > reported) onBytes(done - reported);
        reported = Math.max(reported, done);
      };
      const timer = setInterval(() => {
        const item = transfers.snapshot().items.find((i) => i.id === id);
        if (item) report(item.bytesDone);
      }, PROGRESS_MS);
      try {
        const item = await transfers.settled(id);
        if (item.state !== 'done') {
          throw new WorkbenchError(item.error?.retryable ? 'UNAVAILABLE' : 'INTERNAL', item.error?.message ?? `The download of ${from} was ${item.state}.`);
        }
        report(item.bytesDone);
      } finally {
        clearInterval(timer);
      }
    },
    close() {},
  };
}
