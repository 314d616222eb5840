import { buffer } from 'node:stream/consumers';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { tarHeader, type TarHeaderFields } from '../../../../../src/main/services/packager/tar-header.ts';

const MTIME = new Date('2000-01-01T00:00:00Z');

/** The same entry's header as tar-stream's packer writes it (what packages were built with). */
async function tarStreamHeader(fields: TarHeaderFields): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name: fields.name, type: fields.type, size: fields.size, mode: fields.mode, mtime: fields.mtime, uid: 0, gid: 0, uname: '', gname: '' }, Buffer.alloc(fields.size));
  pack.finalize();
  const all = await buffer(pack);
  // Everything before the body: the header, or the PAX record and then the header.
  const body = fields.size + ((512 - (fields.size % 512)) % 512);
  return all.subarray(0, all.length - 1024 - body);
}

describe('tar headers', () => {
  const cases: [string, TarHeaderFields][] = [
    ['a plain file', { name: 'job.py', type: 'file', size: 1234, mode: 0o644, mtime: MTIME }],
    ['an executable', { name: 'run.sh', type: 'file', size: 0, mode: 0o755, mtime: MTIME }],
    ['a folder', { name: 'lib/', type: 'directory', size: 0, mode: 0o755, mtime: MTIME }],
    ['a name of exactly 100 bytes', { name: 'n'.repeat(100), type: 'file', size: 1, mode: 0o644, mtime: MTIME }],
    ['a long path split into the prefix field', { name: `${'d'.repeat(60)}/${'e'.repeat(70)}/${'f'.repeat(90)}.txt`, type: 'file', size: 3, mode: 0o644, mtime: MTIME }],
    ['a long name without a slash (PAX)', { name: 'a'.repeat(120), type: 'file', size: 2, mode: 0o644, mtime: MTIME }],
    ['a non-ASCII name (PAX)', { name: 'héllo wörld/ünï.txt', type: 'file', size: 5, mode: 0o644, mtime: MTIME }],
    ['a non-ASCII folder (PAX)', { name: 'ünï/', type: 'directory', size: 0, mode: 0o755, mtime: MTIME }],
    ['a prefix too long to split (PAX)', { name: `${'p/'.repeat(100)}x`, type: 'file', size: 7, mode: 0o644, mtime: MTIME }],
    ['a PAX record whose length gains a digit', { name: `é${'x'.repeat(89)}`, type: 'file', size: 1, mode: 0o644, mtime: MTIME }],
  ];
  for (const [what, fields] of cases) {
    it(`writes ${what} byte for byte as tar-stream does`, async () => {
      const ours = tarHeader(fields);
      expect(ours.length % 512).toBe(0);
      expect(ours.equals(await tarStreamHeader(fields))).toBe(true);
    });
  }
});
