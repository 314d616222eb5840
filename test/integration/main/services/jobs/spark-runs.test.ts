import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Run, RunRequest } from '../../../../../src/shared/model.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';
import { groupMembers } from '../../../../fixtures/process-group.ts';
import { sparkUserBase } from '../../../../fixtures/spark-user-base.ts';
import { COUNT_BY_APP_JOB, recordPrintingJob, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

// The loopback sshd's python3 is the system's, which has no pyspark; this computer runs Spark
// from the repository's .venv (npm run setup:python).
const sshd = useSshd();
const { tmp, worker, workbench } = useWorkbenchWithSshWorker(sshd, 'spark-runs');
const call = callerOf(() => workbench);

async function runToEnd(request: RunRequest): Promise<{ run: Run; output: string; log: string }> {
  const started = await call('jobs:start', request);
  await expect.poll(async () => (await call('jobs:get', { runId: started.id })).status, { timeout: 180_000, interval: 500 }).not.toBe('running');
  const run = await call('jobs:get', { runId: started.id });
  const log = (await call('jobs:log', { runId: run.id, offset: 0 })).text;
  expect(run.status, `${run.message}\n${log}`).toBe('succeeded');
  const output = await readFile(join(run.resultDir!, run.outputs[0]!.name), 'utf8');
  return { run, output, log };
}

/** Whether a java process (Spark's JVM) is in the run's process group. */
async function javaIn(pgid: number): Promise<boolean> {
  for (const pid of await groupMembers(pgid)) {
    const exe = await readlink(`/proc/${pid}/exe`).catch(() => '');
    if (basename(exe) === 'java') return true;
  }
  return false;
}

const sortedLines = (text: string) => text.split('\n').filter(Boolean).sort();

describe('the Spark engine on this computer', () => {
  it('gives the same output as the local engine for an example, and the run says it ran on Spark', async () => {
    await call('jobs:generate-sample-data', { sizeMb: 2 });
    expect(await call('jobs:engines', { worker: 'local' })).toEqual({ local: { available: true }, spark: { available: true } });

    const request: RunRequest = { source: { kind: 'example', name: 'os-distribution' }, mappers: 2, reducers: 2 };
    const local = await runToEnd(request);
    const spark = await runToEnd({ ...request, engine: 'spark' });

    expect(local.run.request.engine).toBe('local');
    expect(spark.run.request.engine).toBe('spark');
    expect(sortedLines(local.output).length).toBeGreaterThan(2);
    expect(sortedLines(spark.output)).toEqual(sortedLines(local.output));
    // Mappers are the local Spark's cores; its UI was announced on this computer only.
    expect(spark.log).toMatch(/Spark master local\[2\], 2 reducers/);
    expect(spark.log).toMatch(/^Spark UI: http:\/\/127\.0\.0\.1:\d+$/m);
    expect(local.log).not.toMatch(/Spark/);
  }, 300_000);

  it('cancels a Spark run with its JVM and Python workers', async () => {
    await writeJobFolder(join(tmp.path, 'sleepy'), 'import time\n\ndef map(key, dims, value, context):\n    time.sleep(60)\n');
    await writeTelemetryData(join(tmp.path, 'data'), sessionSubmissions(4));
    const run = await call('jobs:start', { source: { kind: 'folder', path: join(tmp.path, 'sleepy') }, dataDir: join(tmp.path, 'data'), engine: 'spark', mappers: 1 });
    const pid = Number(await readFile(join(tmp.path, 'app', 'worker', 'runs', run.id, 'pid'), 'utf8'));
    // Spark is up once its UI is announced; its map task is then in the script's sleep.
    await expect.poll(async () => (await call('jobs:log', { runId: run.id, offset: 0 })).text, { timeout: 60_000, interval: 500 }).toMatch(/^Spark UI: /m);
    expect(await javaIn(pid)).toBe(true);
    await call('jobs:cancel', { runId: run.id });
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).status, { timeout: 30_000 }).toBe('cancelled');
    await expect.poll(() => groupMembers(pid), { timeout: 15_000 }).toEqual([]);
  }, 120_000);

  it('refuses a bad engine name, saying the choices', async () => {
    await expect(call('jobs:start', { source: { kind: 'example', name: 'os-distribution' }, engine: 'hadoop' as 'spark' })).rejects.toThrow(/engine: Invalid option: expected one of "local"\|"spark"/);
  });
});

describe('the Spark engine on a worker without pyspark', () => {
  it('is offered as unavailable with what to install, and a run is refused before anything is uploaded', async () => {
    const engines = await call('jobs:engines', { worker: worker.id });
    expect(engines.local).toEqual({ available: true });
    expect(engines.spark).toEqual({
      available: false,
      reason: expect.stringMatching(/^box cannot run Spark jobs: its python3 has no pyspark \(ModuleNotFoundError: No module named 'pyspark'\)\. Install it there: python3 -m pip install --user pyspark==3\.5\.\d+$/),
    });

    await writeJobFolder(join(tmp.path, 'job'), recordPrintingJob(0));
    const refused = call('jobs:start', { source: { kind: 'folder', path: join(tmp.path, 'job') }, dataDir: join(sshd.dir, 'data'), worker: worker.id, engine: 'spark' });
    await expect(refused).rejects.toThrow(/^box cannot run Spark jobs: its python3 has no pyspark .*python3 -m pip install --user pyspark==3\.5\.\d+$/);
    expect(await call('jobs:list')).toEqual([]);
    // Nothing reached the worker: no runtime, no run folder.
    expect(await readdir(join(sshd.dir, 'wb')).catch(() => [])).toEqual([]);
  });
});

describe('the Spark engine on a worker that has pyspark and Java', () => {
  // This sshd's sessions have pyspark in their python3's user site-packages, as after
  // `python3 -m pip install --user pyspark` there: the repository's .venv packages, linked.
  const userBase = sparkUserBase();
  afterAll(() => userBase.remove());
  const sparkSshd = useSshd({ extraConfig: [`SetEnv PYTHONUSERBASE=${userBase.path}`] });
  const box = useWorkbenchWithSshWorker(sparkSshd, 'spark-worker');
  const callBox = callerOf(() => box.workbench);

  it('is offered, and runs the job there with the same output as the local engine', async () => {
    expect(await callBox('jobs:engines', { worker: box.worker.id })).toEqual({ local: { available: true }, spark: { available: true } });
    const data = join(sparkSshd.dir, 'data');
    await writeTelemetryData(data, sessionSubmissions(60, (i) => (i % 3 ? 'Firefox' : 'Fennec')));
    await writeJobFolder(join(box.tmp.path, 'job'), COUNT_BY_APP_JOB);
    const outputs: string[] = [];
    for (const engine of ['local', 'spark'] as const) {
      const started = await callBox('jobs:start', { source: { kind: 'folder', path: join(box.tmp.path, 'job') }, dataDir: data, worker: box.worker.id, mappers: 1, engine });
      await expect.poll(async () => (await callBox('jobs:get', { runId: started.id })).status, { timeout: 120_000, interval: 500 }).not.toBe('running');
      const run = await callBox('jobs:get', { runId: started.id });
      const log = (await callBox('jobs:log', { runId: run.id, offset: 0 })).text;
      expect(run.status, `${run.message}\n${log}`).toBe('succeeded');
      if (engine === 'spark') expect(log).toMatch(/^Spark UI: http:\/\/127\.0\.0\.1:\d+$/m);
      await expect.poll(async () => (await callBox('jobs:get', { runId: run.id })).outputs.every((o) => o.downloaded), { timeout: 30_000 }).toBe(true);
      const done = await callBox('jobs:get', { runId: run.id });
      outputs.push(await readFile(join(done.resultDir!, done.outputs[0]!.name), 'utf8'));
    }
    expect(outputs[1]).toBe(outputs[0]);
    expect(outputs[0]).toBe('Fennec\t20\nFirefox\t40\n');
  }, 300_000);
});

describe('the Spark engine on a worker with pyspark of another line', () => {
  // The worker's python3 finds a pyspark 3.4.1 in its user site-packages.
  const userBase = mkdtempSync(join(tmpdir(), 'old-pyspark-'));
  for (const version of readdirSync('.venv/lib')) {
    mkdirSync(join(userBase, 'lib', version, 'site-packages', 'pyspark'), { recursive: true });
    writeFileSync(join(userBase, 'lib', version, 'site-packages', 'pyspark', '__init__.py'), '__version__ = "3.4.1"\n');
  }
  afterAll(() => rmSync(userBase, { recursive: true, force: true }));
  const oldSshd = useSshd({ extraConfig: [`SetEnv PYTHONUSERBASE=${userBase}`] });
  const box = useWorkbenchWithSshWorker(oldSshd, 'old-spark-worker');

  it('is not offered, saying which pyspark is there and which to install', async () => {
    const engines = await callerOf(() => box.workbench)('jobs:engines', { worker: box.worker.id });
    expect(engines.spark).toEqual({
      available: false,
      reason: 'box cannot run Spark jobs: its python3 has pyspark 3.4.1, and the Spark engine runs on the 3.5.x line (as on EMR 7). Install that one there: python3 -m pip install --user pyspark==3.5.9',
    });
  });
});
