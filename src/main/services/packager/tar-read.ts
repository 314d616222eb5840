import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { printable } from '../../../shared/display-text.ts';
import { WorkbenchError } from '../../../shared/errors.ts';

/**
 * A tar reader that reports every header as it is, so the package rules (package-rules.ts) see
 * what a worker's Python `tarfile` sees: the header's own type character (an `S`, `V` or `Z`
 * entry is never taken for a plain file), global PAX headers (Python applies their keys to
 * every later entry), and PAX, GNU long-name and sparse records applied the way `tarfile`
 * applies them. A damaged header, a body cut short or an archive that stops before its end
 * marker is an error, never a quiet end of the listing.
 */
export interface TarHeader {
  /** The entry's name with `.` and empty components dropped ('' for the archive's own root). */
  path: string;
  raw: string;
  /** What the entry is: file, directory, symlink, ..., or `type X` for a type tar does not define. */
  type: string;
  /** The header's type character. */
  typeflag: string;
  size: number;
  mode: number;
  linkname?: string;
  /** PAX keys that apply to the entry (a global header's, then its own); a global header's own keys. */
  pax?: Record<string, string>;
  /** Its name (or link target) is not valid UTF-8, so it would be shown and written differently. */
  undecodable?: boolean;
}

/** What onEntry may answer: 'stop' ends the reading there (the rest is not looked at). */
export type EntryAnswer = void | 'stop';

const BLOCK = 512;
/** PAX and GNU long-name records hold names and a few numbers; anything bigger is not a package. */
const MAX_META_BYTES = 1024 * 1024;
/** After the end marker only zero padding may follow (tar pads to its record size, 10 KiB). */
const MAX_TRAILER_BYTES = 1024 * 1024;

const TYPE_NAMES: Record<string, string> = {
  '0': 'file',
  '\0': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  '6': 'fifo',
  '7': 'contiguous-file',
  g: 'pax-global-header',
  S: 'gnu-sparse',
  V: 'gnu-volume-header',
  M: 'gnu-multivolume',
  D: 'gnu-dumpdir',
  N: 'gnu-old-long-names',
};
/** Types whose data blocks tarfile does not skip: their header's size is not a body's. */
const NO_BODY = new Set(['1', '2', '3', '4', '5', '6']);

/** The entry's path with `.` and empty components dropped, so `./a//b/` and `a/b` are one path. */
export function cleanEntryPath(name: string): string {
  return name
    .split('/')
    .filter((part) => part !== '' && part !== '.')
    .join('/');
}

/**
 * Opens a tarball for reading, refusing anything that is not a regular file before reading a
 * byte: /dev/zero never ends, a FIFO blocks, a folder is not an archive.
 */
export async function openArchive(path: string): Promise<FileHandle> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new WorkbenchError('NOT_FOUND', `${printable(path)} does not exist or cannot be read (${err.code ?? err.message}).`, { cause: err });
  });
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    const kind = info.isDirectory() ? 'a folder' : info.isFIFO() ? 'a FIFO' : info.isCharacterDevice() || info.isBlockDevice() ? 'a device' : info.isSocket() ? 'a socket' : 'not a regular file';
    throw new WorkbenchError('BAD_INPUT', `${printable(path)} is ${kind}, not a tarball; choose a .tar.gz file.`);
  }
  return handle;
}

/** The file's bytes from the start, read at explicit positions (the handle stays open and shared). */
export async function* fileChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(1024 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function isGzip(handle: FileHandle): Promise<boolean> {
  const magic = Buffer.alloc(2);
  const { bytesRead } = await handle.read(magic, 0, 2, 0);
  return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
}

class Corrupt extends Error {}

/** The first block is no tar header: the file is something else (a text file, a zip ...). */
class NotTar extends Error {}

/** An error of onEntry's own (a failed write ...): passed on as it is, not taken for a damaged archive. */
class FromEntry extends Error {
  constructor(readonly original: unknown) {
    super('onEntry failed');
  }
}

async function callEntry(onEntry: (header: TarHeader, body: Readable) => Promise<EntryAnswer>, header: TarHeader, body: Readable): Promise<EntryAnswer> {
  try {
    return await onEntry(header, body);
  } catch (err) {
    // A body that failed reading the archive is the archive's error, whoever saw it first.
    if (err instanceof Corrupt || (body as Readable & { archiveError?: unknown }).archiveError === err) throw err;
    throw new FromEntry(err);
  }
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteReader {
  private buffered: Buffer[] = [];
  private length = 0;
  /** Bytes of the tar stream handed out so far. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.length < n) {
      const next = await this.source.next();
      if (next.done) return false;
      this.buffered.push(next.value);
      this.length += next.value.length;
    }
    return true;
  }

  /** Up to `max` bytes (at least one), or undefined at the end of the stream. */
  async some(max: number): Promise<Buffer | undefined> {
    if (this.length === 0 && !(await this.fill(1))) return undefined;
    const first = this.buffered[0]!;
    const piece = first.length <= max ? first : first.subarray(0, max);
    if (piece === first) this.buffered.shift();
    else this.buffered[0] = first.subarray(max);
    this.length -= piece.length;
    this.offset += piece.length;
    return piece;
  }

  /** Exactly n bytes; fewer only when the stream ends first. */
  async take(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const piece = await this.some(n - got);
      if (!piece) break;
      parts.push(piece);
      got += piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const piece = await this.some(Math.min(left, 1024 * 1024));
      if (!piece) break;
      left -= piece.length;
    }
    return n - left;
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function decodeName(bytes: Buffer): { text: string; undecodable: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), undecodable: false };
  } catch {
    return { text: bytes.toString('utf8'), undecodable: true };
  }
}

function cString(block: Buffer, start: number, length: number): Buffer {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return end === -1 ? field : field.subarray(0, end);
}

/** A numeric field: octal digits (spaces and NULs around them), or GNU base-256. */
function numeric(block: Buffer, start: number, length: number, what: string, at: number): number {
  const field = block.subarray(start, start + length);
  if (field[0]! & 0x80) {
    if (field[0] === 0xff) throw new Corrupt(`the header at byte ${at} has a negative ${what}`);
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i += 1) value = value * 256 + field[i]!;
    return value;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new Corrupt(`the header at byte ${at} has an unreadable ${what} (${JSON.stringify(text)})`);
  return parseInt(text, 8);
}

function headerOk(block: Buffer, at: number): boolean {
  let stored: number;
  try {
    stored = numeric(block, 148, 8, 'checksum', at);
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i += 1) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function parsePax(data: Buffer, at: number): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break;
    const space = data.indexOf(0x20, pos);
    const length = space === -1 ? NaN : Number(data.subarray(pos, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || pos + length > data.length || data[pos + length - 1] !== 0x0a) {
      throw new Corrupt(`the PAX header at byte ${at} is malformed`);
    }
    const record = data.subarray(space + 1, pos + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw new Corrupt(`the PAX header at byte ${at} is malformed`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += length;
  }
  return out;
}

/**
 * Streams a .tar, .tar.gz or .tgz (told apart by content, not name) entry by entry. `onEntry`
 * gets each header and its body, which it may read or leave (the reader skips what is left);
 * answering 'stop' ends the reading. Takes a path, or a handle from openArchive.
 */
export async function readTar(source: string | FileHandle, onEntry: (header: TarHeader, body: Readable) => Promise<EntryAnswer>, label?: string): Promise<{ compressed: boolean }> {
  const handle = typeof source === 'string' ? await openArchive(source) : source;
  const name = label ?? (typeof source === 'string' ? source : 'the tarball');
  const file = Readable.from(fileChunks(handle), { objectMode: false });
  let stream: Readable = file;
  try {
    const compressed = await isGzip(handle);
    if (compressed) {
      const gunzip = createGunzip();
      file.on('error', (err) => gunzip.destroy(err));
      stream = file.pipe(gunzip);
    }
    await readEntries(new ByteReader(stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>), onEntry);
    return { compressed };
  } catch (err) {
    if (err instanceof FromEntry) throw err.original;
    if (err instanceof WorkbenchError) throw err;
    if (err instanceof NotTar) throw new WorkbenchError('BAD_INPUT', `${name} is not a tar archive (.tar, .tar.gz or .tgz).`);
    if (err instanceof Corrupt) throw new WorkbenchError('CORRUPT_DATA', `${name} is damaged: ${err.message}.`);
    throw new WorkbenchError('CORRUPT_DATA', `${name} is not a readable tar archive: ${(err as Error).message}`);
  } finally {
    stream.destroy();
    file.destroy();
    if (typeof source === 'string') await handle.close();
  }
}

async function readEntries(reader: ByteReader, onEntry: (header: TarHeader, body: Readable) => Promise<EntryAnswer>): Promise<void> {
  let globalPax: Record<string, string> = {};
  let localPax: Record<string, string> | undefined;
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  for (;;) {
    const at = reader.offset;
    const block = await reader.take(BLOCK);
    if (block.length === 0) throw new Corrupt(`it ends at byte ${at} without tar's end-of-archive marker: it was probably cut short`);
    if (block.length < BLOCK) throw new Corrupt(`it is cut short inside the header at byte ${at}`);
    if (block.every((b) => b === 0)) {
      await checkTrailer(reader);
      return;
    }
    if (!headerOk(block, at)) {
      if (at === 0) throw new NotTar();
      throw new Corrupt(`the header at byte ${at} fails its checksum (the archive is corrupt or cut short)`);
    }
    const typeflag = String.fromCharCode(block[156]!);
    let size = numeric(block, 124, 12, 'size', at);

    if (typeflag === 'x' || typeflag === 'X' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META_BYTES) throw new Corrupt(`the ${typeflag} header at byte ${at} declares ${size} bytes of metadata`);
      const data = await reader.take(size);
      if (data.length < size || (await reader.skip(padding(size))) < padding(size)) throw new Corrupt(`it is cut short inside the header at byte ${at}`);
      if (typeflag === 'L') longName = cString(data, 0, data.length);
      else if (typeflag === 'K') longLink = cString(data, 0, data.length);
      else if (typeflag === 'g') {
        const keys = parsePax(data, at);
        globalPax = { ...globalPax, ...keys };
        const raw = decodeName(cString(block, 0, 100)).text;
        const answer = await callEntry(onEntry, { raw, path: cleanEntryPath(raw), type: 'pax-global-header', typeflag, size: 0, mode: 0, pax: keys }, Readable.from([]));
        if (answer === 'stop') return;
      } else localPax = { ...(localPax ?? {}), ...parsePax(data, at) };
      continue;
    }

    const pax = { ...globalPax, ...(localPax ?? {}) };
    localPax = undefined;
    const ustar = block.subarray(257, 263).toString('latin1') === 'ustar\0';
    let nameBytes = cString(block, 0, 100);
    if (ustar && block[345] !== 0) nameBytes = Buffer.concat([cString(block, 345, 155), Buffer.from('/'), nameBytes]);
    if (longName) nameBytes = longName;
    const decodedName = decodeName(nameBytes);
    const linkBytes = longLink ?? cString(block, 157, 100);
    const decodedLink = decodeName(linkBytes);
    longName = undefined;
    longLink = undefined;
    const raw = pax.path ?? decodedName.text;
    const linkname = pax.linkpath ?? decodedLink.text;
    if (pax.size !== undefined) {
      if (!/^\d+$/.test(pax.size)) throw new Corrupt(`the PAX header before byte ${at} has an unreadable size`);
      size = Number(pax.size);
    }
    if (typeflag === 'S') await skipSparseExtensions(reader, block, at);
    const bodyBytes = NO_BODY.has(typeflag) ? 0 : size;
    const header: TarHeader = {
      raw,
      path: cleanEntryPath(raw),
      type: TYPE_NAMES[typeflag] ?? `type ${JSON.stringify(typeflag)}`,
      typeflag,
      size,
      mode: numeric(block, 100, 8, 'mode', at),
      ...(linkname !== '' && { linkname }),
      ...(Object.keys(pax).length > 0 && { pax }),
      ...(((pax.path === undefined && decodedName.undecodable) || (pax.linkpath === undefined && decodedLink.undecodable)) && { undecodable: true }),
    };

    // One pull from the archive at a time: the body asks for the next piece only when it is
    // read, and the reader waits for a pull under way before it moves past the body.
    let left = bodyBytes;
    let pulling: Promise<void> = Promise.resolve();
    let failure: unknown;
    const stream = new Readable({
      read() {
        pulling = (async () => {
          try {
            if (left === 0) {
              this.push(null);
              return;
            }
            const piece = await reader.some(Math.min(left, 1024 * 1024));
            if (!piece) throw new Corrupt(`it is cut short inside ${raw}`);
            left -= piece.length;
            this.push(piece);
          } catch (err) {
            failure = err;
            (this as Readable & { archiveError?: unknown }).archiveError = err;
            this.destroy(err as Error);
          }
        })();
      },
    });
    const answer = await callEntry(onEntry, header, stream);
    await pulling;
    stream.destroy();
    if (failure) throw failure;
    if (answer === 'stop') return;
    const rest = left + padding(bodyBytes);
    if ((await reader.skip(rest)) < rest) throw new Corrupt(`it is cut short inside ${raw}`);
  }
}

/** A GNU sparse header may be followed by extension blocks of the sparse map. */
async function skipSparseExtensions(reader: ByteReader, block: Buffer, at: number): Promise<void> {
  let extended = block[482] !== 0;
  while (extended) {
    const ext = await reader.take(BLOCK);
    if (ext.length < BLOCK) throw new Corrupt(`it is cut short inside the sparse header at byte ${at}`);
    extended = ext[504] !== 0;
  }
}

/** After the end marker: only zeros (tar's record padding), never another archive's entries. */
async function checkTrailer(reader: ByteReader): Promise<void> {
  let seen = 0;
  for (;;) {
    const piece = await reader.some(64 * 1024);
    if (!piece) return;
    if (piece.some((b) => b !== 0)) throw new Corrupt(`there is data after its end-of-archive marker (byte ${reader.offset - piece.length}); archives joined together are not read`);
    seen += piece.length;
    if (seen > MAX_TRAILER_BYTES) throw new Corrupt(`more than ${MAX_TRAILER_BYTES} bytes follow its end-of-archive marker`);
  }
}

/** Reads up to `max` bytes of an entry's body (the rest is skipped by readTar). */
export async function readStart(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length >= max) break;
  }
  return Buffer.concat(chunks).subarray(0, max);
}
