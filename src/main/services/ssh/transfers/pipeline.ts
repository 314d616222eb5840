import type { FileHandle } from 'node:fs/promises';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { localError } from './local-errors.ts';
import type { SftpSession } from './sftp.ts';

/**
 * The byte pumps. Speed over SSH comes from keeping many SFTP requests in flight (the server
 * answers each in turn, so one at a time would pay a round trip per chunk) and from large
 * requests (fewer packets, less per-request work in ssh2's JavaScript). Verification hashes the
 * local file on another thread meanwhile (see local-sha256.ts).
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
  /** Called as bytes are safely at the destination (a request's or a block's worth at a time). */
  onBytes?: (bytes: number) => void;
}

export interface PumpFile {
  path: string;
  size: number;
}

/**
 * Chunks per block. The pumps move the local file in blocks of this many requests: one file
 * read or write per block instead of per request, so the CPU goes to moving bytes rather than
 * to awaits and fs calls.
 */
const CHUNKS_PER_BLOCK = 8;

/** A file that got shorter while it was being copied or hashed (`where`: on this computer, on the worker). */
export function changed(path: string, where: string): WorkbenchError {
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
  options: PumpOptions,
): Promise<void> {
  // ssh2 copies a WRITE's bytes into its request packet when write() is called, unless the
  // request exceeds the server's limit (then it reads the rest from our buffer later): so with
  // chunks within the limit, a block can be refilled as soon as its WRITEs are issued.
  const chunk = Math.max(1, Math.min(options.chunkSize, session.chunkSize.write));
  const block = Buffer.allocUnsafe(chunk * CHUNKS_PER_BLOCK);
  const limit = Math.max(1, Math.floor(options.requests));
  // WRITEs in flight, oldest first; each settles without rejecting (failures go to `failure`).
  const inFlight: Array<Promise<void>> = [];
  let failure: unknown;
  try {
    for (let position = start; position < source.size && failure === undefined; ) {
      options.signal?.throwIfAborted();
      const length = Math.min(block.length, source.size - position);
      let read: number;
      try {
        ({ bytesRead: read } = await local.read(block, 0, length, position));
      } catch (err) {
        throw localError(err, 'read', source.path);
      }
      if (read < length) throw changed(source.path, 'on this computer');
      for (let at = 0; at < length && failure === undefined; at += chunk) {
        // Waiting for the oldest WRITE is what bounds the requests in flight.
        while (inFlight.length >= limit) await inFlight.shift();
        if (failure !== undefined) break;
        const bytes = Math.min(chunk, length - at);
        inFlight.push(
          session.write(handle, block.subarray(at, at + bytes), bytes, position + at, remote).then(
            () => options.onBytes?.(bytes),
            (err: unknown) => {
              failure ??= err;
            },
          ),
        );
      }
      position += length;
    }
  } finally {
    // Nothing lands after we return.
    await Promise.all(inFlight);
  }
  if (failure !== undefined) throw failure;
}

interface Block {
  buffer: Buffer;
  position: number;
  length: number;
  /** Bytes read per chunk of the block; never rejects: failures go to `failure`. */
  reads?: Promise<number[]>;
}

/** Remote handle bytes [start, source.size) -> local file at the same positions. */
export async function pumpDownload(
  session: SftpSession,
  handle: Buffer,
  source: PumpFile,
  local: FileHandle,
  localPath: string,
  start: number,
  options: PumpOptions,
): Promise<void> {
  const chunk = Math.max(1, options.chunkSize);
  const perBlock = Math.max(1, Math.min(CHUNKS_PER_BLOCK, Math.floor(options.requests)));
  // Enough blocks for `requests` READs in flight, and at least two, so that one block's
  // requests are answered while the one before it is written.
  const blocks: Block[] = Array.from({ length: Math.max(2, Math.ceil(options.requests / perBlock)) }, () => ({
    buffer: Buffer.allocUnsafe(chunk * perBlock),
    position: 0,
    length: 0,
  }));
  let failure: unknown;
  let next = start;
  const issue = (block: Block): void => {
    block.reads = undefined;
    if (next >= source.size || failure !== undefined) return;
    block.position = next;
    block.length = Math.min(block.buffer.length, source.size - next);
    next += block.length;
    const reads: Array<Promise<number>> = [];
    for (let at = 0; at < block.length; at += chunk) {
      reads.push(
        session.read(handle, block.buffer, at, Math.min(chunk, block.length - at), block.position + at, source.path).catch((err: unknown) => {
          failure ??= err;
          return 0;
        }),
      );
    }
    block.reads = Promise.all(reads);
  };
  blocks.forEach(issue);
  try {
    // Blocks were issued in file order and are refilled in the order they are consumed, so
    // walking them round-robin walks the file in order.
    for (let index = 0; ; index++) {
      const block = blocks[index % blocks.length]!;
      if (block.reads === undefined) break;
      const got = await block.reads;
      if (failure !== undefined) break;
      options.signal?.throwIfAborted();
      // The protocol allows short reads (OpenSSH answers in full before the end of file).
      for (let i = 0; i < got.length; i++) {
        const at = i * chunk;
        const want = Math.min(chunk, block.length - at);
        for (let have = got[i]!; have < want; ) {
          const more = await session.read(handle, block.buffer, at + have, want - have, block.position + at + have, source.path);
          if (more === 0) throw changed(source.path, 'on the worker');
          have += more;
        }
      }
      const bytes = block.buffer.subarray(0, block.length);
      try {
        await local.write(bytes, 0, block.length, block.position);
      } catch (err) {
        throw localError(err, 'write', localPath);
      }
      options.onBytes?.(block.length);
      issue(block);
    }
  } finally {
    // Nothing lands in a buffer after we return.
    await Promise.all(blocks.map((block) => block.reads));
  }
  if (failure !== undefined) throw failure;
}
