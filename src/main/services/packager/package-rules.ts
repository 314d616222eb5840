import type { TarHeader } from './tar-read.ts';

/**
 * What a good package is, entry by entry and as a whole. Inspect, the app's extractor (test
 * runs) and the local schedule's save apply these rules; resources/worker/safe_extract.py
 * applies the same rules on workers and in run-job.sh (its tests keep the two in step).
 */

/** The most a package may unpack to: it is code, its data is read from DATA_DIR or S3. */
export const MAX_UNPACKED_BYTES = 4 * 1024 ** 3;
/** Left free after unpacking: the run still has to write its output and log there. */
export const FREE_SPACE_MARGIN = 64 * 1024 ** 2;

/** Keys a global PAX header may carry: comments and times (git archive writes a comment). */
const HARMLESS_GLOBAL_PAX = new Set(['comment', 'mtime', 'atime', 'ctime', 'charset', 'hdrcharset']);

const TYPE_DESCRIPTIONS: Record<string, string> = {
  'gnu-sparse': 'a GNU sparse file (type S)',
  'gnu-volume-header': 'a GNU volume header (type V)',
  'gnu-multivolume': 'a GNU multi-volume continuation (type M)',
  'gnu-dumpdir': 'a GNU dump folder (type D)',
  'gnu-old-long-names': 'a GNU old long-name entry (type N)',
};

export function humanBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} bytes`;
  let value = n;
  let unit = '';
  for (const u of units) {
    value /= 1024;
    unit = u;
    if (value < 1024) break;
  }
  return `${value.toFixed(1)} ${unit}`;
}

/** The longest name one folder entry may have on the file systems packages unpack onto (NAME_MAX). */
export const MAX_NAME_BYTES = 255;

/**
 * Why an entry may not be unpacked, or undefined when it is a plain file or folder that
 * stays inside the target. Links are refused outright: packages hold none (the packer stores
 * links to files as copies), and a link is how a later entry is written outside the target.
 */
export function entryProblem(header: TarHeader): string | undefined {
  const { raw, path } = header;
  if (header.type === 'pax-global-header') {
    const keys = Object.entries(header.pax ?? {}).filter(([key]) => !HARMLESS_GLOBAL_PAX.has(key));
    return keys.length > 0 ? `is a global PAX header setting ${keys.map(([k, v]) => `${k}=${v}`).join(', ')} for every later entry, which packages may not do` : undefined;
  }
  if (raw.startsWith('/') || /^[A-Za-z]:[\\/]/.test(raw)) return 'has an absolute path';
  if (raw.split(/[\\/]/).includes('..')) return 'climbs out of the package (../)';
  if (raw.includes('\0')) return 'has a NUL in its name';
  if (header.undecodable) return 'has a name (or link target) that is not valid UTF-8';
  if (raw.split('/').some((part) => Buffer.byteLength(part) > MAX_NAME_BYTES)) return `has a name part longer than ${MAX_NAME_BYTES} bytes, which file systems do not store`;
  if (path === '' && header.type !== 'directory') return 'has no name';
  if (Object.keys(header.pax ?? {}).some((key) => key.startsWith('GNU.sparse.'))) return 'is a sparse file (GNU.sparse PAX keys), which is not unpacked';
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
      return `is ${TYPE_DESCRIPTIONS[header.type] ?? `an entry of unknown ${header.type}`}, which is not unpacked`;
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

export function isPlainFile(header: TarHeader): boolean {
  return header.type === 'file' || header.type === 'contiguous-file';
}

/**
 * The rules that need the entries seen before: a path given twice (an extractor that
 * overwrites would run the second copy), an entry under something that is not a folder, and
 * the total a package may unpack to. Feed it every header in archive order.
 */
export class PackageCheck {
  private readonly seen = new Map<string, string>();
  /** Declared bytes of the plain files so far. */
  unpackedBytes = 0;

  /**
   * `room`: the free space where it will be unpacked; the package must leave FREE_SPACE_MARGIN
   * of it, so a small archive that unpacks to more than the disk holds is refused at its header.
   */
  constructor(
    private readonly limitBytes = MAX_UNPACKED_BYTES,
    private readonly room?: { freeBytes: number; where: string },
  ) {}

  /** The entry's problem, if any (entryProblem's first). */
  problem(header: TarHeader): string | undefined {
    const own = entryProblem(header);
    if (header.type === 'pax-global-header') return own;
    const earlier = this.seen.get(header.path);
    if (isPlainFile(header)) this.unpackedBytes += header.size;
    if (own) return own;
    if (earlier !== undefined) return `is in the archive twice (the first is a ${earlier}); a package names each path once`;
    this.seen.set(header.path, header.type);
    const parts = header.path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      const above = parts.slice(0, i).join('/');
      const kind = this.seen.get(above);
      if (kind !== undefined && kind !== 'directory') return `lies under ${above}, which is a ${kind} in the package, not a folder`;
    }
    if (this.unpackedBytes > this.limitBytes) return `takes the package past ${humanBytes(this.limitBytes)} unpacked (the most a package may hold; keep data out of it and read it from DATA_DIR or S3)`;
    if (this.outOfRoom) {
      const { freeBytes, where } = this.room!;
      return `takes the package to ${humanBytes(this.unpackedBytes)}, and the disk under ${where} has ${humanBytes(Math.max(freeBytes, 0))} free; free up space or unpack it elsewhere`;
    }
    return undefined;
  }

  private get outOfRoom(): boolean {
    return this.room !== undefined && this.unpackedBytes > this.room.freeBytes - FREE_SPACE_MARGIN;
  }

  /** The package is past the size limit or the free space: nothing after this entry needs reading. */
  get overLimit(): boolean {
    return this.unpackedBytes > this.limitBytes || this.outOfRoom;
  }
}
