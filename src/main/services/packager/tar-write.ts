import { createHash } from 'node:crypto';
import { close, open as openFile, read } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { WorkbenchError } from '../../../shared/errors.ts';
import { GzipMembers, looksIncompressible } from './parallel-gzip.ts';
import { END_OF_ARCHIVE, padding, TAR_BLOCK, tarHeader } from './tar-header.ts';

/**
 * Every entry's time: a fixed instant, so the same files give the same bytes whenever they
 * are packed (SOURCE_DATE_EPOCH-style; 2000-01-01 rather than 0, which some tools flag).
 */
export const FIXED_MTIME = new Date('2000-01-01T00:00:00Z');
/** gzip -6, what `tar czf` uses: the speed and size users know. */
export const GZIP_LEVEL = 6;
const READ_CHUNK = 1024 * 1024;

export type PackEntry =
  | { path: string; kind: 'dir' }
  | { path: string; kind: 'file'; bytes: number; executable: boolean; source: string }
  | { path: string; kind: 'file'; bytes: number; executable: boolean; data: Buffer };

export interface PackOptions {
  output: string;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number, filesDone: number) => void;
  /** Sees the first chunk read of each file from disk (up to 1 MiB), e.g. to search it for secrets; the buffer is reused once it returns. */
  onFileHead?: (path: string, head: Buffer) => void;
  /** Called once everything is written, before the tarball takes its name: throwing discards it. */
  beforeCommit?: () => void;
}

/** Archive order: folder by folder, names in byte order, a folder before what it holds. */
export function compareArchivePaths(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/** Owner, group, time and mode normalised: only names, contents and the executable bit vary. */
function header(entry: PackEntry): Buffer {
  if (entry.kind === 'dir') return tarHeader({ name: `${entry.path}/`, type: 'directory', size: 0, mode: 0o755, mtime: FIXED_MTIME });
  return tarHeader({ name: entry.path, type: 'file', size: sizeOf(entry), mode: entry.executable ? 0o755 : 0o644, mtime: FIXED_MTIME });
}

function sizeOf(entry: Extract<PackEntry, { kind: 'file' }>): number {
  return 'data' in entry ? entry.data.length : entry.bytes;
}

/**
 * Writes `entries` (already in archive order) as a .tar.gz: files read a few ahead while
 * earlier blocks compress on other cores (see GzipMembers), nothing held whole. Written to a
 * temp name and renamed, so a cancelled or failed build leaves no half tarball behind. The
 * SHA-256 is of the compressed bytes, taken as they are written.
 */
export async function writeTarGz(entries: readonly PackEntry[], options: PackOptions): Promise<{ bytes: number; sha256: string }> {
  const partial = `${options.output}.partial-${process.pid}`;
  const hash = createHash('sha256');
  let bytes = 0;
  const file = await open(partial, 'w');
  let fileOpen = true;
  const members = new GzipMembers({
    level: GZIP_LEVEL,
    onMember: async (member) => {
      hash.update(member);
      bytes += member.length;
      for (let at = 0; at < member.length; ) at += (await file.write(member, at, member.length - at)).bytesWritten;
    },
  });
  try {
    await feed(members, entries, options);
    await members.end();
    fileOpen = false;
    await file.close();
    options.beforeCommit?.();
    await rename(partial, options.output);
    return { bytes, sha256: hash.digest('hex') };
  } catch (err) {
    await members.discard();
    if (fileOpen) await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    if (options.signal?.aborted) throw cancelled();
    throw err;
  }
}

function cancelled(): WorkbenchError {
  return new WorkbenchError('CANCELLED', 'Packing was cancelled.');
}

/** Files up to this size are read whole, a few ahead, so compression never waits on an open(). */
const SMALL_FILE = READ_CHUNK;
const READ_AHEAD = 16;
/** Larger files are tested for data deflate cannot shrink in pieces of this size. */
const STORE_TEST_PIECE = 256 * 1024;
const ZERO_PADDING = Buffer.alloc(TAR_BLOCK);

type SourceEntry = Extract<PackEntry, { source: string }>;

function smallSource(entry: PackEntry): SourceEntry | undefined {
  return entry.kind === 'file' && 'source' in entry && entry.bytes > 0 && entry.bytes <= SMALL_FILE ? entry : undefined;
}

function changed(entry: SourceEntry, detail: string): WorkbenchError {
  return new WorkbenchError('UNAVAILABLE', `${entry.path} changed while it was packed (${detail}); pack again.`);
}

// Plain descriptors rather than FileHandle objects: a few thousand files are opened per build,
// and the callback calls cost the main thread markedly less per file.
const openForReading = (path: string) => new Promise<number>((resolve, reject) => openFile(path, 'r', (err, fd) => (err ? reject(err) : resolve(fd))));
const closeFile = (fd: number) => new Promise<void>((resolve, reject) => close(fd, (err) => (err ? reject(err) : resolve())));
const readAt = (fd: number, buffer: Buffer, offset: number, length: number, position: number) =>
  new Promise<number>((resolve, reject) => read(fd, buffer, offset, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))));

/**
 * Reads into `buffer` from `position` until it is full, the file ends, or (a read coming back
 * short, as it does at the end of a file) at least `enough` bytes are in. Asking for one byte
 * past a file's known size shows whether it grew, without another read.
 */
async function readInto(fd: number, buffer: Buffer, position: number, enough: number): Promise<number> {
  let done = 0;
  while (done < buffer.length) {
    const bytesRead = await readAt(fd, buffer, done, buffer.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
    if (done >= enough) break;
  }
  return done;
}

/** A small file read whole into `buffer` (at least one byte longer than the file). */
async function readSmall(entry: SourceEntry, buffer: Buffer): Promise<Buffer> {
  const fd = await openForReading(entry.source);
  try {
    const got = await readInto(fd, buffer.subarray(0, entry.bytes + 1), 0, entry.bytes);
    if (got !== entry.bytes) throw changed(entry, `${entry.bytes} bytes when scanned, ${got > entry.bytes ? 'more' : got} now`);
    return buffer.subarray(0, got);
  } finally {
    await closeFile(fd);
  }
}

async function feed(members: GzipMembers, entries: readonly PackEntry[], options: PackOptions): Promise<void> {
  let bytesDone = 0;
  let filesDone = 0;
  // Reads of the next small files, started early into READ_AHEAD buffers reused all along.
  const spare: Buffer[] = Array.from({ length: READ_AHEAD }, () => Buffer.allocUnsafeSlow(SMALL_FILE + 1));
  const ahead = new Map<number, { buffer: Buffer; read: Promise<Buffer> }>();
  let scheduled = 0;
  const readAhead = (from: number) => {
    for (scheduled = Math.max(scheduled, from); scheduled < entries.length && spare.length > 0; scheduled++) {
      const next = smallSource(entries[scheduled]!);
      if (!next) continue;
      const buffer = spare.pop()!;
      const read = readSmall(next, buffer);
      read.catch(() => undefined); // awaited in turn below; never an unhandled rejection meanwhile
      ahead.set(scheduled, { buffer, read });
    }
  };
  try {
    for (const [index, entry] of entries.entries()) {
      if (options.signal?.aborted) throw cancelled();
      readAhead(index);
      await members.write(header(entry));
      if (entry.kind === 'dir') continue;
      if ('data' in entry) {
        await members.write(entry.data);
      } else if (smallSource(entry)) {
        const { buffer, read } = ahead.get(index)!;
        const body = await read;
        ahead.delete(index);
        options.onFileHead?.(entry.path, body);
        options.onProgress?.((bytesDone += body.length), filesDone);
        await members.write(body);
        spare.push(buffer);
      } else if (entry.bytes > 0) {
        await writeLargeFile(members, entry, options, (n) => options.onProgress?.((bytesDone += n), filesDone));
      }
      await members.write(ZERO_PADDING.subarray(0, padding(sizeOf(entry))));
      options.onProgress?.(bytesDone, ++filesDone);
    }
    await members.write(END_OF_ARCHIVE);
  } finally {
    await Promise.allSettled([...ahead.values()].map((a) => a.read));
  }
}

/**
 * A file too big to read whole: read in chunks, the next read under way while one is written.
 * Pieces deflate cannot shrink are written stored.
 */
async function writeLargeFile(members: GzipMembers, entry: SourceEntry, options: PackOptions, onRead: (bytes: number) => void): Promise<void> {
  const fd = await openForReading(entry.source);
  const buffers = [Buffer.allocUnsafe(READ_CHUNK + 1), Buffer.allocUnsafe(READ_CHUNK + 1)];
  const readChunk = async (position: number, buffer: Buffer): Promise<Buffer> => {
    const want = Math.min(READ_CHUNK, entry.bytes - position);
    // The last chunk asks for one byte more, to see whether the file grew.
    const last = position + want === entry.bytes;
    const got = await readInto(fd, buffer.subarray(0, last ? want + 1 : want), position, want);
    if (got !== want) throw changed(entry, `${entry.bytes} bytes when scanned, ${got > want ? 'more' : position + got} now`);
    return buffer.subarray(0, want);
  };
  let next: Promise<Buffer> | undefined = readChunk(0, buffers[0]!);
  try {
    for (let position = 0, turn = 0; next; turn++) {
      const chunk: Buffer = await next;
      next = undefined;
      if (options.signal?.aborted) throw cancelled();
      position += chunk.length;
      if (position < entry.bytes) {
        next = readChunk(position, buffers[(turn + 1) % 2]!);
        next.catch(() => undefined); // awaited next turn, or settled below
      }
      if (turn === 0) options.onFileHead?.(entry.path, chunk);
      onRead(chunk.length);
      for (let at = 0; at < chunk.length; at += STORE_TEST_PIECE) {
        const piece = chunk.subarray(at, at + STORE_TEST_PIECE);
        await members.write(piece, looksIncompressible(piece));
      }
    }
  } finally {
    await next?.catch(() => undefined);
    await closeFile(fd);
  }
}
