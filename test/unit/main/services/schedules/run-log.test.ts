import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LocalScheduleBackend, type LocalBackendOptions } from '../../../../../src/main/services/schedules/local-backend.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/** A scheduled run's log as the history shows it: the tail of <data>/published/JOB/logs/RUNID.log.gz. */
describe('the local backend reading a run log', () => {
  async function backendWithLog(gz: Buffer | ((path: string) => Promise<void>)): Promise<LocalScheduleBackend> {
    const dataDir = await useTempDir('run-log');
    const logs = join(dataDir, 'published', 'chatty', 'logs');
    await mkdir(logs, { recursive: true });
    if (Buffer.isBuffer(gz)) await writeFile(join(logs, 'r1.log.gz'), gz);
    else await gz(join(logs, 'r1.log.gz'));
    // Reading a log needs only the data folder.
    return new LocalScheduleBackend({ dataDir } as LocalBackendOptions);
  }

  it('shows the end of a log that unpacks to more than 4 GiB (a chatty job), from 15 MB of gzip', async () => {
    // Gzip members one after another are one gzip stream: 5 GiB of output in a small file.
    const member = gzipSync(Buffer.from('progress: still going, nothing to see here\n'.repeat(24_000)));
    const backend = await backendWithLog(async (path) => {
      const file = await open(path, 'w');
      const block = Buffer.concat(Array<Buffer>(256).fill(member));
      for (let i = 0; i < 20; i++) await file.write(block);
      await file.write(gzipSync(Buffer.from('the command ended with exit code 0\n')));
      await file.close();
    });
    const log = await backend.readLog('chatty', 'r1', 1024);
    expect(log.truncated).toBe(true);
    expect(Buffer.byteLength(log.text)).toBe(1024);
    expect(log.text.endsWith('nothing to see here\nthe command ended with exit code 0\n')).toBe(true);
  }, 60_000);

  it('shows a short log whole, and a missing one as not there yet', async () => {
    const backend = await backendWithLog(gzipSync('one\ntwo\n'));
    expect(await backend.readLog('chatty', 'r1', 1024)).toEqual({ text: 'one\ntwo\n', truncated: false });
    await expect(backend.readLog('chatty', 'r2', 1024)).rejects.toThrow('There is no log of run r2 of chatty (yet).');
  });
});
