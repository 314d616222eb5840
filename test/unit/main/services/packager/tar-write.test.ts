import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, readdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { safeExtract } from '../../../../../src/main/services/packager/safe-extract.ts';
import { scanTree } from '../../../../../src/main/services/packager/scan.ts';
import { writeTarGz, type PackEntry } from '../../../../../src/main/services/packager/tar-write.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const MiB = 1024 * 1024;

function telemetry(bytes: number, seed: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const line = `${seed}-${i}\tsaved-session\tFirefox\t41.0.${i % 7}\t{"OS":"${['WINNT', 'Linux', 'Darwin'][i % 3]}","uptime":${(i * 7919 + seed) % 100003}}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/** A folder like a job with data: small scripts, small binaries, large text and already-compressed data. */
async function dataFolder(root: string): Promise<string> {
  const dir = join(root, 'job');
  await mkdir(join(dir, 'src'), { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  for (let i = 0; i < 60; i++) await writeFile(join(dir, 'src', `m${i}.py`), telemetry(3000 + i * 500, i));
  for (let i = 0; i < 10; i++) await writeFile(join(dir, 'src', `blob${i}.bin`), randomBytes(16 * 1024));
  await writeFile(join(dir, 'data', 'events.tsv'), telemetry(2 * MiB + 123, 99));
  await writeFile(join(dir, 'data', 'events.tsv.gz'), gzipSync(telemetry(4 * MiB, 7)));
  await writeFile(join(dir, 'data', 'mixed.bin'), Buffer.concat([randomBytes(MiB + 77), telemetry(MiB, 3), randomBytes(MiB / 2)]));
  await writeFile(join(dir, 'empty'), '');
  return dir;
}

async function entriesOf(dir: string): Promise<PackEntry[]> {
  const tree = await scanTree(dir, []);
  return [
    ...tree.dirs.map((path): PackEntry => ({ path, kind: 'dir' })),
    ...tree.files.map((f): PackEntry => ({ path: f.path, kind: 'file', bytes: f.bytes, executable: false, source: f.source })),
  ].sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length + 1)] = createHash('sha256').update(await readFile(path)).digest('hex');
  }
  return out;
}

describe('writing a .tar.gz', () => {
  it('unpacks to the same files with GNU tar, Python tarfile and our extractor, and is no bigger than gzip -6 of the same tar', async () => {
    const root = await useTempDir();
    const dir = await dataFolder(root);
    const output = join(root, 'job.tar.gz');
    const heads: string[] = [];
    const result = await writeTarGz(await entriesOf(dir), { output, onFileHead: (path) => heads.push(path) });
    const expected = await filesUnder(dir);
    expect(heads.sort()).toEqual(Object.keys(expected).filter((p) => p !== 'empty').sort());

    for (const [name, unpack] of [
      ['gnu', (to: string) => execFileSync('tar', ['xzf', output, '-C', to])],
      ['python', (to: string) => execFileSync('python3', ['-c', 'import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2], filter="data")', output, to])],
      ['ours', (to: string) => safeExtract(output, to)],
    ] as const) {
      const to = join(root, name);
      await mkdir(to);
      await unpack(to);
      expect(await filesUnder(to)).toEqual(expected);
    }

    const tarBytes = gunzipSync(await readFile(output));
    expect(result.bytes).toBeLessThanOrEqual(gzipSync(tarBytes, { level: 6 }).length);
    expect(result.sha256).toBe(createHash('sha256').update(await readFile(output)).digest('hex'));
    // The same files give the same bytes.
    const again = await writeTarGz(await entriesOf(dir), { output: join(root, 'again.tar.gz') });
    expect(again.sha256).toBe(result.sha256);
  }, 30_000);

  it('refuses a file that shrank or grew after it was scanned, and leaves no tarball', async () => {
    const root = await useTempDir();
    const dir = await dataFolder(root);
    for (const [file, change] of [
      ['data/events.tsv', () => truncate(join(dir, 'data', 'events.tsv'), MiB + 5)],
      ['data/mixed.bin', () => appendFile(join(dir, 'data', 'mixed.bin'), 'more')],
      ['src/m3.py', () => appendFile(join(dir, 'src', 'm3.py'), 'more')],
      ['src/m4.py', () => truncate(join(dir, 'src', 'm4.py'), 10)],
    ] as const) {
      const entries = await entriesOf(dir);
      await change();
      await expect(writeTarGz(entries, { output: join(root, 'changed.tar.gz') })).rejects.toThrow(`${file} changed while it was packed`);
      expect(await readdir(root)).toEqual(['job']);
    }
  }, 30_000);
});
