import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { WorkbenchError } from '../../../../../src/shared/errors.ts';
import { localSha256 } from '../../../../../src/main/services/ssh/transfers/local-sha256.ts';
import { makeTempDir } from '../../../../fixtures/temp-dir.ts';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('local-sha256');
  onTestFinished(dir.cleanup);
  return dir.path;
}

describe('localSha256 (on a worker thread)', () => {
  it('gives the SHA-256 of the first size bytes, for files of many sizes, several at once', async () => {
    const dir = await tempDir();
    const sizes = [0, 1, 4 * 1024 * 1024 - 1, 4 * 1024 * 1024, 9 * 1024 * 1024 + 7];
    const files = await Promise.all(
      sizes.map(async (size, i) => {
        const bytes = randomBytes(size + 100);
        const path = join(dir, `file ${i}`);
        await writeFile(path, bytes);
        return { path, expected: sha256(bytes.subarray(0, size)), size };
      }),
    );
    const digests = await Promise.all(files.map(({ path, size }) => localSha256(path, size).digest));
    expect(digests).toEqual(files.map(({ expected }) => expected));
  });

  it('follows a file as it is written: hashes what advance() says is complete, and waits for the rest', async () => {
    const path = join(await tempDir(), 'growing.bin');
    const bytes = randomBytes(10 * 1024 * 1024 + 3);
    await writeFile(path, bytes.subarray(0, 1000));
    const hash = localSha256(path, bytes.length, { complete: 1000 });
    let settled = false;
    void hash.digest.finally(() => (settled = true));
    for (let at = 1000; at < bytes.length; at += 3 * 1024 * 1024) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(settled).toBe(false);
      const end = Math.min(at + 3 * 1024 * 1024, bytes.length);
      await appendFile(path, bytes.subarray(at, end));
      hash.advance(end);
    }
    await expect(hash.digest).resolves.toBe(sha256(bytes));
  });

  it('stop() ends a hash that is waiting for bytes still to be written', async () => {
    const path = join(await tempDir(), 'stalled.bin');
    await writeFile(path, randomBytes(100));
    const hash = localSha256(path, 1000, { complete: 100 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    hash.stop();
    await expect(hash.digest).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('a file shorter than expected (changed meanwhile) is CORRUPT_DATA naming it', async () => {
    const dir = await tempDir();
    const path = join(dir, 'short.bin');
    await writeFile(path, randomBytes(1000));
    const error = await localSha256(path, 5000).digest.catch((err: unknown) => err);
    expect(error).toBeInstanceOf(WorkbenchError);
    expect(error).toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining(path) });
  });

  it('a missing file is NOT_FOUND naming it', async () => {
    const path = join(await tempDir(), 'gone.bin');
    await expect(localSha256(path, 10).digest).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(path) });
  });

  it('stop() gives up a hash under way, and the next hash still works', async () => {
    const dir = await tempDir();
    const path = join(dir, 'big.bin');
    const bytes = randomBytes(64 * 1024 * 1024);
    await writeFile(path, bytes);
    const first = localSha256(path, bytes.length);
    first.stop();
    await expect(first.digest).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(localSha256(path, 1024).digest).resolves.toBe(sha256(bytes.subarray(0, 1024)));
  });

  it('finds its thread when tsx runs it for an ES module (as the benchmarks do), whatever the working folder', async () => {
    const dir = await tempDir();
    const path = join(dir, 'over a megabyte.bin');
    const bytes = randomBytes(2 * 1024 * 1024);
    await writeFile(path, bytes);
    const root = resolve(__dirname, '../../../../..');
    const module = pathToFileURL(join(root, 'src/main/services/ssh/transfers/local-sha256.ts')).href;
    const script = join(dir, 'hash.mts');
    await writeFile(script, `import { localSha256 } from ${JSON.stringify(module)};\nprocess.stdout.write(await localSha256(${JSON.stringify(path)}, ${bytes.length}).digest);\n`);
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), script], { cwd: dir });
    expect(stdout).toBe(sha256(bytes));
  });
});
