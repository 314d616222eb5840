import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { localError } from './local-errors.ts';
import type { SftpSession } from './sftp.ts';

/**
 * The byte pumps. Speed over SSH comes from keeping many SFTP requests in flight (the server
 * answers each in turn, so one at a time would pay a round trip per chunk) and from large
 * requests (fewer packets, less per-request work in ssh2's JavaScript). Both pumps hash the bytes
 * in file order as they pass, so verification never needs a second pass over the data.
 *
 * Both keep the destination a PREFIX of the source at all times: downloads write locally in
 * order; uploads rely on the server applying WRITEs in the order sent (OpenSSH's sftp-server
 * handles one request at a time), and after a failed WRITE the caller's verification still
 * catches anything odd. That is what makes "resume from the part file's size" sound.
 */

export interface PumpOptions {
  /** Requests in flight at once. */
  requests: number;
  /** Bytes per request. */
  chunkSize: number;
  signal?: AbortSignal;
  /** Called after each chunk is safely at the destination. */
  onBytes?: (bytes: number) => void;
}

export interface PumpFile {
  path: string;
  size: number;
}

interface Slot {
  buffer: Buffer;
  position: number;
  length: number;
  /** Resolves to bytes read (downloads) or 0 (uploads); never rejects: failures go to `failure`. */
  pending?: Promise<number>;
}

function makeSlots(options: PumpOptions): Slot[] {
  const count = Math.max(1, Math.floor(options.requests));
  return Array.from({ length: count }, () => ({ buffer: Buffer.allocUnsafe(options.chunkSize), position: 0, length: 0 }));
}

/** Waits for every request still in flight, so nothing lands after we return. */
async function drain(slots: Slot[]): Promise<void> {
  await Promise.all(slots.map((slot) => slot.pending));
}

function changed(path: string, where: string): WorkbenchError {
  return new WorkbenchError('CORRUPT_DATA', `${path} ${where} got shorter during the transfer; it is being changed by something else. Retry once it is complete.`);
}

/** Local `source` bytes [start, source.size) -> remote handle at the same positions. */
export async function pumpUpload(
  session: SftpSession,
  handle: Buffer,
  remote: string,
  local: FileHandle,
  source: PumpFile,
  start: number,
  hash: Hash,
  options: PumpOptions,
): Promise<void> {
  const slots = makeSlots(options);
  let failure: unknown;
  try {
    let index = 0;
    for (let position = start; position < source.size && failure === undefined; index++) {
      options.signal?.throwIfAborted();
      const slot = slots[index % slots.length]!;
      // Reusing the oldest slot waits for its WRITE: that is what bounds the requests in flight.
      await slot.pending;
      if (failure !== undefined) break;
      const length = Math.min(options.chunkSize, source.size - position);
      let read: number;
      try {
        ({ bytesRead: read } = await local.read(slot.buffer, 0, length, position));
      } catch (err) {
        throw localError(err, 'read', source.path);
      }
      if (read < length) throw changed(source.path, 'on this computer');
      hash.update(slot.buffer.subarray(0, length));
      const at = position;
      slot.pending = session.write(handle, slot.buffer, length, at, remote).then(
        () => {
          options.onBytes?.(length);
          return 0;
        },
        (err: unknown) => {
          failure ??= err;
          return 0;
        },
      );
      position += length;
    }
  } finally {
    await drain(slots);
  }
  if (failure !== undefined) throw failure;
}

/** Remote handle bytes [start, source.size) -> local file at the same positions. */
export async function pumpDownload(
  session: SftpSession,
  handle: Buffer,
  source: PumpFile,
  local: FileHandle,
  localPath: string,
  start: number,
  hash: Hash,
  options: PumpOptions,
): Promise<void> {
  const slots = makeSlots(options);
  let failure: unknown;
  let next = start;
  const issue = (slot: Slot): void => {
    slot.pending = undefined;
    if (next >= source.size || failure !== undefined) return;
    slot.position = next;
    slot.length = Math.min(options.chunkSize, source.size - next);
    next += slot.length;
    slot.pending = session.read(handle, slot.buffer, 0, slot.length, slot.position, source.path).catch((err: unknown) => {
      failure ??= err;
      return 0;
    });
  };
  slots.forEach(issue);
  try {
    // Slots were issued in file order and are refilled in the order they are consumed, so
    // walking them round-robin walks the file in order.
    for (let index = 0; ; index++) {
      const slot = slots[index % slots.length]!;
      if (slot.pending === undefined) break;
      let got = await slot.pending;
      if (failure !== undefined) break;
      options.signal?.throwIfAborted();
      while (got < slot.length) {
        const more = await session.read(handle, slot.buffer, got, slot.length - got, slot.position + got, source.path);
        if (more === 0) throw changed(source.path, 'on the worker');
        got += more;
      }
      const bytes = slot.buffer.subarray(0, slot.length);
      hash.update(bytes);
      try {
        await local.write(bytes, 0, slot.length, slot.position);
      } catch (err) {
        throw localError(err, 'write', localPath);
      }
      options.onBytes?.(slot.length);
      issue(slot);
    }
  } finally {
    await drain(slots);
  }
  if (failure !== undefined) throw failure;
}
