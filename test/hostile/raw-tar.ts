import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';

/**
 * Tar archives written byte by byte, for entries no tar library would write: any type flag, PAX
 * global headers, wrong checksums, declared sizes without the data.
 */
export interface RawTarEntry {
  name: string;
  /** The type flag: '0' file, '1' hard link, '2' symlink, '3'/'4' devices, '5' folder, '6' FIFO, 'g' PAX global, 'L' GNU long name, ... */
  type?: string;
  body?: Buffer | string;
  linkname?: string;
  mode?: number;
  /** Written into the checksum field instead of the right sum. */
  badChecksum?: boolean;
}

function octal(block: Buffer, offset: number, length: number, value: number): void {
  block.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

export function tarHeader(entry: RawTarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0, 100, 'utf8');
  octal(block, 100, 8, entry.mode ?? 0o644);
  octal(block, 108, 8, 0);
  octal(block, 116, 8, 0);
  octal(block, 124, 12, size);
  octal(block, 136, 12, 0);
  block.write((entry.type ?? '0').slice(0, 1), 156, 1, 'latin1');
  block.write(entry.linkname ?? '', 157, 100, 'utf8');
  block.write('ustar\u000000', 257, 8, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${(entry.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

function padded(body: Buffer): Buffer {
  const rest = body.length % 512;
  return rest === 0 ? body : Buffer.concat([body, Buffer.alloc(512 - rest)]);
}

/** A PAX record list ("NN key=value\n" each, NN counting the whole record). */
export function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(records)
      .map(([key, value]) => {
        const tail = ` ${key}=${value}\n`;
        let length = Buffer.byteLength(tail) + 1;
        while (String(length).length + Buffer.byteLength(tail) !== length) length += 1;
        return `${length}${tail}`;
      })
      .join(''),
  );
}

/** The whole archive, uncompressed, with its two closing zero blocks. */
export function rawTar(entries: RawTarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    parts.push(tarHeader(entry, body.length), padded(body));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const rawTarGz = (entries: RawTarEntry[]): Buffer => gzipSync(rawTar(entries));

/**
 * A small .tar.gz that unpacks to `zeroBytes` of zeros in one file after `first` (a size bomb):
 * the zeros are streamed through gzip, never held in memory.
 */
export async function writeSizeBomb(path: string, first: RawTarEntry[], zeroBytes: number): Promise<void> {
  const head = rawTar(first).subarray(0, -1024);
  async function* blocks(): AsyncGenerator<Buffer> {
    yield head;
    yield tarHeader({ name: 'zeros.bin' }, zeroBytes);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let left = zeroBytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (zeroBytes % 512) yield Buffer.alloc(512 - (zeroBytes % 512));
    yield Buffer.alloc(1024);
  }
  await pipeline(Readable.from(blocks()), createGzip({ level: 9 }), createWriteStream(path));
}
