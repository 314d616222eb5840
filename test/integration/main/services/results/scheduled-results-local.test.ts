import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

let workbench: Workbench;
let dir: string;
const call = callerOf(() => workbench);

/** A package whose run.sh prints `script`'s lines into output/metrics.tsv, made with tar. */
async function pack(name: string, body: string): Promise<string> {
  const pkg = join(dir, name);
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'run.sh'), `#!/bin/sh\nset -e\nmkdir -p output\n${body}\necho '@progress {"phase":"done","files_done":1,"files_total":1}'\necho finished\n`, { mode: 0o755 });
  const tarball = join(dir, `${name}.tar.gz`);
  await promisify(execFile)('tar', ['-czf', tarball, '-C', pkg, '.']);
  return tarball;
}

async function runNow(name: string): Promise<string> {
  const { runId } = await call('schedules:run-now', { name });
  await workbench.schedules.local.whenIdle();
  return runId;
}

describe('scheduled runs of a local schedule as results, through the contract', () => {
  beforeEach(async () => {
    dir = await useTempDir('scheduled-results-local');
    workbench = await createWorkbench({ dataDir: join(dir, 'app'), host: 'cli', resourcesDir: resolve('resources') });
  });
  afterEach(async () => {
    await workbench?.close();
  });

  it("lists each ended run with its own output, and reads a run's table from where it was published", { timeout: 60_000 }, async () => {
    expect(await call('results:scheduled-runs', {})).toEqual({ runs: [], unavailable: [] });
    // Far in the future: only "run now" runs it during the test.
    await call('schedules:create', { name: 'daily-os', tarball: await pack('v1', "printf 'Linux\\t3\\nWindows\\t5\\n' > output/metrics.tsv"), frequency: { kind: 'daily' }, startDate: '2099-01-01', timeoutMinutes: 5 });
    const first = await runNow('daily-os');
    await call('schedules:update', { name: 'daily-os', patch: { tarball: await pack('v2', "printf 'Linux\\t4\\nmacOS\\t1\\n' > output/metrics.tsv") } });
    const second = await runNow('daily-os');
    await call('schedules:update', { name: 'daily-os', patch: { tarball: await pack('v3', 'exit 3') } });
    const failed = await runNow('daily-os');

    const { runs, unavailable } = await call('results:scheduled-runs', { job: 'daily-os' });
    expect(unavailable).toEqual([]);
    const jobDir = join(dir, 'app', 'published', 'daily-os');
    const published = join(jobDir, 'runs');
    const runData = (runId: string) => join(published, runId, 'data');
    // Runs started within one second (as these are) may list in either order: their times are to the second.
    expect(runs.map((r) => [r.runId, r.status, r.backend, r.here, r.output]).sort()).toEqual(
      [
        [failed, 'failed', 'local', true, runData(failed) + '/'],
        [second, 'succeeded', 'local', true, runData(second) + '/'],
        [first, 'succeeded', 'local', true, runData(first) + '/'],
      ].sort(),
    );
    expect(runs.find((r) => r.runId === failed)?.message).toMatch(/exit code 3/);

    // Each run's own output, read in place (nothing is copied).
    for (const [runId, text] of [
      [first, 'Linux\t3\nWindows\t5\n'],
      [second, 'Linux\t4\nmacOS\t1\n'],
    ] as const) {
      const opened = await call('results:open-scheduled', { job: 'daily-os', runId });
      expect(opened).toEqual({ job: 'daily-os', runId, folder: runData(runId), source: runData(runId), files: [{ name: 'metrics.tsv', bytes: text.length }] });
      expect(await call('results:scheduled-result', { job: 'daily-os', runId })).toEqual({ name: 'metrics.tsv', text, truncated: false });
      expect(await readFile(join(runData(runId), 'metrics.tsv'), 'utf8')).toBe(text);
    }
    // data/ holds the latest successful run's set alone: the failed run after it left it as it was.
    expect(await readFile(join(jobDir, 'data', 'metrics.tsv'), 'utf8')).toBe('Linux\t4\nmacOS\t1\n');
    // A failed run published nothing: no files, no table, and its log says why.
    expect((await call('results:open-scheduled', { job: 'daily-os', runId: failed })).files).toEqual([]);
    expect(await call('results:scheduled-result', { job: 'daily-os', runId: failed })).toBeNull();
    expect((await call('schedules:log', { name: 'daily-os', runId: failed })).text).toMatch(/exit code 3/);

    await expect(call('results:open-scheduled', { job: 'daily-os', runId: 'no-such-run' })).rejects.toThrow('daily-os has no run no-such-run.');
    await expect(call('results:open-scheduled', { job: 'weekly', runId: first })).rejects.toThrow('There is no schedule named weekly.');
    await expect(call('results:scheduled-result', { job: 'daily-os', runId: first, name: 'other.tsv' })).rejects.toThrow(`Run ${first} of daily-os has no output file other.tsv.`);
    await expect(call('results:open-scheduled', { job: 'daily-os', runId: '../x' })).rejects.toThrow("runId: a run id as the job's history lists it: letters, digits, '.', '_' and '-', such as 2026-12-01T06-30-00Z");
    // A record naming a folder outside the job's published folder (as a worker could send) is not opened.
    const record = JSON.parse(await readFile(join(dir, 'app', 'published', 'daily-os', 'runs', `${first}.json`), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'app', 'published', 'daily-os', 'runs', 'planted.json'), JSON.stringify({ ...record, runId: 'planted', output: 'daily-os/../../../' }));
    await expect(call('results:open-scheduled', { job: 'daily-os', runId: 'planted' })).rejects.toThrow(/^The record of run planted of daily-os names .* as its output, which is not inside .*published\/daily-os; it is not opened\./);
    await expect(call('results:scheduled-result', { job: 'daily-os', runId: 'planted' })).rejects.toThrow(/it is not opened/);
    await rm(join(dir, 'app', 'published', 'daily-os', 'runs', 'planted.json'));
    // Without input: every schedule's runs.
    expect((await call('results:scheduled-runs')).runs).toHaveLength(3);
  });
});
