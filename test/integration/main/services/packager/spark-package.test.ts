import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Run } from '../../../../../src/shared/model.ts';
import type { Engine } from '../../../../../src/shared/packager-model.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { runEnd } from '../../../../fixtures/run-events.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

// A package whose run.sh runs the job on Spark, run on this computer as every package runs
// (Test run and local schedule through resources/worker/run-job.sh): its python3 must be the
// Python that has pyspark (the repository's .venv), which the python3 of this machine's PATH is not.

const run = promisify(execFile);
let temp: TempDir;
let root: string;
let workbench: Workbench;
const call = callerOf(() => workbench);
const EXAMPLE = resolve('resources/examples/os-distribution');

/** os-distribution packed with a generated run.sh running its job on `engine`. */
async function pack(engine: Engine): Promise<string> {
  const output = join(root, `os-${engine}.tar.gz`);
  await call('packager:build', { buildId: `build-${engine}`, root: EXAMPLE, output, name: `os-${engine}`, wrapper: { job: { kind: 'mapreduce', engine, mappers: 2, outputName: 'os-distribution.txt' } } });
  return output;
}

async function testRun(tarball: string): Promise<Run> {
  const started = await call('packager:test-run', { path: tarball, timeoutMinutes: 5 });
  return runEnd(workbench, started.id, 240_000);
}

/** The lines of the run's one output file, in byte order (the engines agree on lines, not on their order). */
async function sortedOutput(dir: string): Promise<string[]> {
  const files = await readdir(dir);
  expect(files).toEqual(['os-distribution.txt']);
  return (await readFile(join(dir, 'os-distribution.txt'), 'utf8')).split('\n').sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

let local: string;
let spark: string;

beforeAll(async () => {
  temp = await makeTempDir('spark-package');
  root = temp.path;
  workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'web', resourcesDir: resolve('resources'), scheduleOverrides: { pollMs: 100 } });
  // The sample data a Test run and a local schedule read: small, Spark's start-up dominates anyway.
  await run('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', join(root, 'app', 'sample-data'), '--records', '400', '--seed', '19']);
  local = await pack('local');
  spark = await pack('spark');
}, 60_000);
afterAll(async () => {
  await workbench?.close();
  await temp?.cleanup();
});

describe('a package that runs its job on Spark', () => {
  it('inspect says which engine each package runs on', async () => {
    expect((await call('packager:inspect', { path: spark })).engine).toBe('spark');
    expect((await call('packager:inspect', { path: local })).engine).toBe('local');
  });

  it('a Test run on this computer gives the output the local engine gives, line for line', async () => {
    const [fromLocal, fromSpark] = [await testRun(local), await testRun(spark)];
    expect(fromLocal.status, fromLocal.message).toBe('succeeded');
    expect(fromSpark.status, fromSpark.message).toBe('succeeded');
    const expected = await sortedOutput(fromLocal.resultDir!);
    expect(expected.filter(Boolean).length).toBeGreaterThan(1);
    expect(await sortedOutput(fromSpark.resultDir!)).toEqual(expected);
    // It ran on Spark: the runner says so in the run's log.
    expect((await call('jobs:log', { runId: fromSpark.id, offset: 0 })).text).toMatch(/ match the filter; Spark master local\[\*\], 1 reducer$/m);
  }, 300_000);

  it('a schedule on this computer runs it on Spark too, with the same output', async () => {
    await call('schedules:create', { name: 'os-spark', tarball: spark, frequency: { kind: 'daily' }, timeoutMinutes: 5 });
    const { runId } = await call('schedules:run-now', { name: 'os-spark' });
    await workbench.schedules.local.whenIdle();
    const record = (await workbench.schedules.local.history('os-spark')).find((r) => r.runId === runId)!;
    expect(record.status, record.message ?? '').toBe('succeeded');
    const fromLocal = await testRun(local);
    expect(await sortedOutput(workbench.schedules.local.locate(record).output)).toEqual(await sortedOutput(fromLocal.resultDir!));
  }, 300_000);
});
