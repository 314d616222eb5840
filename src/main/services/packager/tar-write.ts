import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Header } from 'tar-stream';
import { WorkbenchError } from '../../../shared/errors.ts';
import { ParallelGzip } from './parallel-gzip.ts';

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
  /** Sees the first chunk read of each file from disk (up to 1 MiB), e.g. to search it for secrets. */
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
function header(entry: PackEntry): Partial<Header> & { name: string } {
  const common = { mtime: FIXED_MTIME, uid: 0, gid: 0, uname: '', gname: '', };
  if (entry.kind === 'dir') return { ...common, name: `${entry.path}/`, type: 'directory', size: 0, mode: 0o755 };
  return { ...common, name: entry.path, type: 'file', size: entry.bytes, mode: entry.executable ? 0o755 : 0o644 };
}

/**
 * Writes `entries` (already in archive order) as a .tar.gz, streaming: one read buffer per
 * file, nothing held whole. Written to a temp name and renamed, so a cancelled or failed
 * build leaves no half tarball behind. Compressed in parallel gzip members (see ParallelGzip).
 */
export async function writeTarGz(entries: readonly PackEntry[], options: PackOptions): Promise<{ bytes: number; sha256: string }> {
  const partial = `${options.output}.partial-${process.pid}`;
  const pack = tar.pack();
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const abort = () => pack.destroy(new WorkbenchError('CANCELLED', 'Packing was cancelled.'));
  options.signal?.addEventListener('abort', abort, { once: true });
  const written = pipeline(pack, new ParallelGzip(GZIP_LEVEL), counter, createWriteStream(partial));
  try {
    await Promise.all([written, feed(pack, entries, options)]);
    options.beforeCommit?.();
    await rename(partial, options.output);
    return { bytes, sha256: hash.digest('hex') };
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    if (options.signal?.aborted) throw new WorkbenchError('CANCELLED', 'Packing was cancelled.');
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}

/** Files up to this size are read whole, a few ahead, so compression never waits on an open(). */
const SMALL_FILE = READ_CHUNK;
const READ_AHEAD = 16;

type SourceEntry = Extract<PackEntry, { source: string }>;

function isSmallSource(entry: PackEntry): boolean {
  return entry.kind === 'file' && 'source' in entry && entry.bytes > 0 && entry.bytes <= SMALL_FILE;
}

async function readSmall(entry: SourceEntry): Promise<Buffer> {
  const data = await readFile(entry.source);
  if (data.length !== entry.bytes) throw new WorkbenchError('UNAVAILABLE', `${entry.path} changed while it was packed (${entry.bytes} bytes when scanned, ${data.length} now); pack again.`);
  return data;
}

async function feed(pack: tar.Pack, entries: readonly PackEntry[], options: PackOptions): Promise<void> {
  let bytesDone = 0;
  let filesDone = 0;
  // Reads of the next small files, started early; at most READ_AHEAD (of at most 1 MiB) in memory.
  const ahead = new Map<number, Promise<Buffer>>();
  let scheduled = 0;
  const readAhead = (from: number) => {
    for (scheduled = Math.max(scheduled, from); scheduled < entries.length && ahead.size < READ_AHEAD; scheduled++) {
      const next = entries[scheduled]!;
      if (!isSmallSource(next)) continue;
      const read = readSmall(next as SourceEntry);
      read.catch(() => undefined); // awaited in turn below; never an unhandled rejection meanwhile
      ahead.set(scheduled, read);
    }
  };
  for (const [index, entry] of entries.entries()) {
    if (options.signal?.aborted) throw new WorkbenchError('CANCELLED', 'Packing was cancelled.');
    readAhead(index);
    if (entry.kind === 'dir' || entry.bytes === 0 || 'data' in entry || isSmallSource(entry)) {
      let body = entry.kind === 'file' && 'data' in entry ? entry.data : Buffer.alloc(0);
      if (isSmallSource(entry)) {
        body = await ahead.get(index)!;
        ahead.delete(index);
        options.onFileHead?.(entry.path, body);
        options.onProgress?.((bytesDone += body.length), filesDone);
      }
      await new Promise<void>((resolve, reject) => pack.entry(header(entry), body, (err) => (err ? reject(err) : resolve())));
    } else {
      const sink = pack.entry(header(entry));
      const source = createReadStream(entry.source, { start: 0, end: entry.bytes - 1, highWaterMark: READ_CHUNK });
      let first = true;
      source.on('data', (chunk) => {
        if (first) options.onFileHead?.(entry.path, chunk as Buffer);
        first = false;
        options.onProgress?.((bytesDone += chunk.length), filesDone);
      });
      try {
        await pipeline(source, sink);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw new WorkbenchError('UNAVAILABLE', `${entry.path} changed while it was packed (${(err as Error).message}); pack again.`);
      }
    }
    if (entry.kind === 'file') options.onProgress?.(bytesDone, ++filesDone);
  }
  pack.finalize();
}
