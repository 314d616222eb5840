import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { WorkbenchError } from '../../../shared/errors.ts';

export interface TarHeader {
  /** The entry's name with any leading `./` taken off ('' for the archive's own root). */
  path: string;
  raw: string;
  type: string;
  size: number;
  mode: number;
  linkname?: string;
}

/** The entry's path with `./` prefixes dropped; folders lose their trailing slash. */
export function cleanEntryPath(name: string): string {
  let path = name;
  while (path.startsWith('./')) path = path.slice(2);
  return path === '.' ? '' : path.replace(/\/+$/, '');
}

/**
 * Why an entry may not be unpacked, or undefined when it is a plain file or folder that
 * stays inside the target. Links are refused outright: packages hold none (the packer stores
 * links to files as copies), and a link is how a later entry is written outside the target.
 */
export function entryProblem(header: TarHeader): string | undefined {
  const { raw, path } = header;
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) return 'has an absolute path';
  if (path.split(/[\\/]/).includes('..')) return 'climbs out of the package (../)';
  if (raw.includes('\0')) return 'has a NUL in its name';
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
    case 'directory':
      return undefined;
    case 'symlink': {
      const target = header.linkname ?? '';
      const out = target.startsWith('/') || linkEscapes(path, target);
      return out ? `is a symbolic link pointing outside the package (${target})` : `is a symbolic link (to ${target}); links are not unpacked`;
    }
    case 'link':
      return `is a hard link (to ${header.linkname ?? ''}); links are not unpacked`;
    case 'character-device':
    case 'block-device':
      return 'is a device file';
    case 'fifo':
      return 'is a FIFO';
    default:
      return `is a ${header.type} entry, which is not unpacked`;
  }
}

function linkEscapes(path: string, target: string): boolean {
  const parts = path.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '..') {
      if (parts.length === 0) return true;
      parts.pop();
    } else if (part !== '.' && part !== '') parts.push(part);
  }
  return false;
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    await handle.read(magic, 0, 2, 0);
    return magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Streams a .tar, .tar.gz or .tgz (told apart by content, not name) entry by entry. `onEntry`
 * gets each header and its body, which it must consume (or leave to be drained).
 */
export async function readTar(path: string, onEntry: (header: TarHeader, body: Readable) => Promise<void>): Promise<{ compressed: boolean }> {
  const compressed = await isGzip(path).catch(() => {
    throw new WorkbenchError('NOT_FOUND', `${path} does not exist or cannot be read.`);
  });
  const extract = tar.extract();
  const reading = (async () => {
    for await (const entry of extract) {
      const h = entry.header;
      const header: TarHeader = { raw: h.name, path: cleanEntryPath(h.name), type: h.type ?? 'file', size: h.size ?? 0, mode: h.mode ?? 0, ...(h.linkname ? { linkname: h.linkname } : {}) };
      await onEntry(header, entry as unknown as Readable);
      entry.resume();
    }
  })().catch((err: unknown) => {
    // Stop reading the archive too, so the pipeline below settles.
    extract.destroy(err as Error);
    throw err;
  });
  const source = createReadStream(path, { highWaterMark: 1024 * 1024 });
  try {
    await Promise.all([compressed ? pipeline(source, createGunzip(), extract) : pipeline(source, extract), reading]);
  } catch (err) {
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError('CORRUPT_DATA', `${path} is not a readable tar archive: ${(err as Error).message}`);
  }
  return { compressed };
}

/** Reads up to `max` bytes of an entry's body (the rest is drained by readTar). */
export async function readStart(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    if (length < max) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
    }
  }
  return Buffer.concat(chunks).subarray(0, max);
}
