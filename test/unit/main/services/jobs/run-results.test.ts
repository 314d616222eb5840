import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Run } from '../../../../../src/shared/model.ts';
import type { OutputDownloads } from '../../../../../src/main/services/jobs/output-downloads.ts';
import { RunResults } from '../../../../../src/main/services/jobs/run-results.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const GIB = 2 ** 30;

/** The results viewer's read of a downloaded output file, against real files on disk. */
describe('RunResults.result', () => {
  async function resultsFor(dir: string, file: { name: string; bytes: number }): Promise<RunResults> {
    const run = { id: 'r1', status: 'succeeded', resultDir: dir, outputs: [{ ...file, downloaded: true }] } as unknown as Run;
    const runs = { get: async () => run, list: async () => [run], reach: async () => Promise.reject(new Error('not needed')) };
    return new RunResults(runs, {} as OutputDownloads, async () => undefined);
  }

  it('shows the head of a 3 GiB output file without reading all of it', async () => {
    const dir = await useTempDir('run-results');
    const handle = await open(join(dir, 'big.tsv'), 'w');
    await handle.write('Firefox\t20\nFennec\t10\n');
    await handle.truncate(3 * GIB); // sparse: no 3 GiB written to the disk
    await handle.close();
    const results = await resultsFor(dir, { name: 'big.tsv', bytes: 3 * GIB });
    const shown = await results.result('r1', 16);
    expect(shown).toEqual({ name: 'big.tsv', text: 'Firefox\t20\nFenne', truncated: true });
  });

  it('shows a small file whole, and says so when a downloaded file is gone', async () => {
    const dir = await useTempDir('run-results');
    const handle = await open(join(dir, 'os.tsv'), 'w');
    await handle.write('Linux\t12\n');
    await handle.close();
    expect(await (await resultsFor(dir, { name: 'os.tsv', bytes: 9 })).result('r1', 1024)).toEqual({ name: 'os.tsv', text: 'Linux\t12\n', truncated: false });
    await expect((await resultsFor(dir, { name: 'gone.tsv', bytes: 9 })).result('r1', 1024)).rejects.toThrow(/gone\.tsv of run r1 is gone from .*; download it again\./);
  });
});
