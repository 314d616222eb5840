/**
 * ustar headers, byte for byte as tar-stream's packer writes them (so packages built before
 * and after keep their bytes): names up to 100 bytes in the name field, longer ASCII names
 * split at a `/` into the 155-byte prefix, and anything else (non-ASCII, too long to split)
 * as a PAX `path` record followed by the entry's header.
 */
export const TAR_BLOCK = 512;
/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * TAR_BLOCK);

export interface TarHeaderFields {
  name: string;
  type: 'file' | 'directory';
  size: number;
  mode: number;
  mtime: Date;
}

const ZEROS = '0000000000000000000';
const SEVENS = '7777777777777777777';
const TYPEFLAG = { file: '0', directory: '5', pax: 'x' } as const;

/** The header block(s) of one entry: 512 bytes, or a PAX record and its header before them. */
export function tarHeader(fields: TarHeaderFields): Buffer {
  const plain = ustarBlock(fields.name, fields, TYPEFLAG[fields.type], fields.size);
  if (plain) return plain;
  const record = paxRecord('path', fields.name);
  const padded = Buffer.alloc(record.length + padding(record.length));
  record.copy(padded);
  return Buffer.concat([ustarBlock('PaxHeader', fields, TYPEFLAG.pax, record.length)!, padded, ustarBlock('PaxHeader', fields, TYPEFLAG[fields.type], fields.size)!]);
}

/** Zero bytes after `size` bytes of data up to the next 512-byte boundary. */
export function padding(size: number): number {
  const rest = size % TAR_BLOCK;
  return rest === 0 ? 0 : TAR_BLOCK - rest;
}

function ustarBlock(fullName: string, fields: TarHeaderFields, typeflag: string, size: number): Buffer | undefined {
  if (Buffer.byteLength(fullName) !== fullName.length) return undefined;
  let name = fullName;
  let prefix = '';
  while (name.length > 100) {
    const slash = name.indexOf('/');
    if (slash === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, slash)}` : name.slice(0, slash);
    name = name.slice(slash + 1);
  }
  if (prefix.length > 155) return undefined;
  const block = Buffer.alloc(TAR_BLOCK);
  block.write(name, 0, 'latin1');
  block.write(octal(fields.mode & 0o7777, 6), 100, 'latin1');
  block.write(octal(0, 6), 108, 'latin1'); // uid
  block.write(octal(0, 6), 116, 'latin1'); // gid
  writeSize(block, size);
  block.write(octal(Math.floor(fields.mtime.getTime() / 1000), 11), 136, 'latin1');
  block.write(typeflag, 156, 'latin1');
  block.write('ustar\x0000', 257, 'latin1');
  block.write(octal(0, 6), 329, 'latin1'); // devmajor
  block.write(octal(0, 6), 337, 'latin1'); // devminor
  if (prefix) block.write(prefix, 345, 'latin1');
  let sum = 8 * 32; // the checksum field counts as spaces
  for (let i = 0; i < TAR_BLOCK; i++) if (i < 148 || i >= 156) sum += block[i]!;
  block.write(octal(sum, 6), 148, 'latin1');
  return block;
}

function octal(value: number, digits: number): string {
  const text = value.toString(8);
  if (text.length > digits) return `${SEVENS.slice(0, digits)} `;
  return `${ZEROS.slice(0, digits - text.length)}${text} `;
}

/** Sizes past 8 GiB do not fit 11 octal digits: base-256 with the top bit set, as GNU tar reads. */
function writeSize(block: Buffer, size: number): void {
  if (size.toString(8).length <= 11) {
    block.write(octal(size, 11), 124, 'latin1');
    return;
  }
  block[124] = 0x80;
  let rest = size;
  for (let i = 11; i > 0; i--) {
    block[124 + i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
}

/** `LEN key=value\n`, LEN counting its own digits. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  const length = Buffer.byteLength(body);
  let digits = String(length).length;
  if (length + digits >= 10 ** digits) digits += 1;
  return Buffer.from(`${length + digits}${body}`);
}
