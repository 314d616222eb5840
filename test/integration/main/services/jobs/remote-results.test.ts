import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../../../../src/shared/model.ts';
import { groupMembers, signal } from '../../../../fixtures/process-group.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { MATCH_ALL_FILTER, recordPrintingJob, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

/** Counts records per application, and writes a second, bigger file beside the runner's output. */
const JOB = `
import os

def map(key, dims, value, context):
    context.write(dims[1], 1)

def reduce(key, values, context):
    os.makedirs("output/extra", exist_ok=True)
    with open("output/extra/" + key + ".bin", "wb") as f:
        f.write(os.urandom(300000))
    context.write(key, sum(values))
`;

import { callerOf } from '../../../../fixtures/workbench-call.ts';

const sshd = useSshd();
const { tmp, worker, workbench, reopen } = useWorkbenchWithSshWorker(sshd, 'remote-results');

beforeEach(async () => {
  await writeTelemetryData(join(sshd.dir, 'data'), sessionSubmissions(60));
  for (const [name, code] of [['job', JOB], ['slow', recordPrintingJob(0.2)]] as const) await writeJobFolder(join(tmp.path, name), code);
});

const call = callerOf(() => workbench);

const start = (job = 'job', extra: object = {}) =>
  call('jobs:start', { source: { kind: 'folder', path: join(tmp.path, job) }, dataDir: join(sshd.dir, 'data'), mappers: 1, worker: worker.id, ...extra });
const runDir = (runId: string) => join(sshd.dir, 'wb', 'runs', runId);
/** The run's process group on the worker, once launch.sh has written it. */
async function runPid(runId: string): Promise<number> {
  const pidFile = join(runDir(runId), 'pid');
  await expect.poll(() => readFile(pidFile, 'utf8').then(Number, () => 0), { timeout: 20_000 }).toBeGreaterThan(1);
  return Number(await readFile(pidFile, 'utf8'));
}
const ended = (runId: string) =>
  expect.poll(async () => (await call('jobs:get', { runId })).status, { timeout: 60_000 }).not.toBe('running').then(() => call('jobs:get', { runId }));

describe("a remote run's results", () => {
  it('lists the output with sizes on the worker and downloads it, byte for byte, when asked', async () => {
    await call('settings:set', { autoDownloadResults: false });
    const run = await ended((await start()).id);
    expect(run.status).toBe('succeeded');
    expect(run.resultDir).toBeUndefined();
    const onWorker = join(runDir(run.id), 'output');
    const names = ['extra/Fennec.bin', 'extra/Firefox.bin', 'job.txt'];
    expect(run.outputs.map((o) => o.name)).toEqual(names);
    expect(run.outputs.every((o) => !o.downloaded)).toBe(true);
    for (const output of run.outputs) expect(output.bytes).toBe((await readFile(join(onWorker, output.name))).length);
    expect(await call('jobs:outputs', { runId: run.id })).toEqual(run.outputs);

    // Some, then the rest.
    const some = await call('jobs:download', { runId: run.id, names: ['job.txt'] });
    expect(some.outputs.filter((o) => o.downloaded).map((o) => o.name)).toEqual(['job.txt']);
    expect(await readFile(join(some.resultDir!, 'job.txt'))).toEqual(await readFile(join(onWorker, 'job.txt')));
    const all = await call('jobs:download', { runId: run.id });
    expect(all.outputs.every((o) => o.downloaded)).toBe(true);
    expect(all.download).toBeUndefined();
    for (const name of names) expect(await readFile(join(all.resultDir!, name))).toEqual(await readFile(join(onWorker, name)));
    // The result viewer reads the downloaded file.
    const result = await call('jobs:result', { runId: run.id, name: 'job.txt' });
    expect(result?.text).toBe(await readFile(join(onWorker, 'job.txt'), 'utf8'));
    expect(result?.text).toContain('Firefox\t40');
  });

  it('downloads the output by itself when a run succeeds (the default setting)', async () => {
    const run = await ended((await start()).id);
    expect(run.status).toBe('succeeded');
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).outputs.every((o) => o.downloaded), { timeout: 30_000 }).toBe(true);
    const done = await call('jobs:get', { runId: run.id });
    expect(done.resultDir).toBe(join(tmp.path, 'app', 'results', run.id));
    for (const output of done.outputs) expect(await readFile(join(done.resultDir!, output.name))).toEqual(await readFile(join(runDir(run.id), 'output', output.name)));
  });

  it('fetches every finished run of a worker at once (the expiry warning’s action)', async () => {
    await call('settings:set', { autoDownloadResults: false });
    const first = await ended((await start()).id);
    const second = await ended((await start()).id);
    const fetched = await call('jobs:download-worker-results', { workerId: worker.id });
    expect(fetched).toMatchObject({ runs: 2, files: 6, failed: [] });
    for (const run of [first, second]) {
      const now = await call('jobs:get', { runId: run.id });
      expect(now.outputs.every((o) => o.downloaded)).toBe(true);
      expect(await readFile(join(now.resultDir!, 'job.txt'))).toEqual(await readFile(join(runDir(run.id), 'output', 'job.txt')));
    }
  });
});

describe('starting a remote run', () => {
  it('shows the upload of the job folder as the run’s progress, from nothing to every byte', async () => {
    const sizes = [150_000, 250_000, 350_000, 450_000];
    for (const [i, size] of sizes.entries()) await writeFile(join(tmp.path, 'job', `lookup-${i}.bin`), Buffer.alloc(size, i));
    const total = sizes.reduce((a, b) => a + b, 0) + Buffer.byteLength(JOB) + Buffer.byteLength(MATCH_ALL_FILTER);
    const seen: Run[] = [];
    const subscriber = workbench.hub.connect((batch) => seen.push(...batch.map((e) => e.payload as Run)));
    subscriber.subscribe({ topic: 'jobs:run' });
    const run = await start();
    subscriber.close();
    const uploads = seen.filter((r) => r.id === run.id && r.progress?.phase === 'upload').map((r) => [r.progress?.['bytes'], r.progress?.['bytes_total']]);
    expect(uploads[0]).toEqual([0, total]);
    expect(uploads.at(-1)).toEqual([total, total]);
    expect(uploads.length).toBeGreaterThanOrEqual(sizes.length + 1);
    const done = uploads.map(([bytes]) => bytes as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    // The run as started has no upload progress left on it.
    expect(run.progress).toBeUndefined();
    await ended(run.id);
  });
});

describe('a run on a worker with a deadline', () => {
  it('is flagged when its timeout outlasts the worker', async () => {
    const deadline = new Date(Date.now() + 10 * 60_000).toISOString();
    await reopen({ jobOverrides: { workerDeadline: (id) => (id === worker.id ? deadline : undefined) } });
    const long = await start('job', { timeoutMinutes: 120 });
    expect(long.workerDeadline).toBe(deadline);
    expect(long.warnings).toHaveLength(1);
    expect(long.warnings[0]).toMatch(/timeout \(2 h\) outlasts box: it terminates itself at .* UTC, in (9|10) min/);
    const short = await start('job', { timeoutMinutes: 5 });
    expect(short.warnings).toEqual([]);
    await ended(long.id);
    await ended(short.id);
  });
});

describe('the status of a remote run', () => {
  it('is timed-out when it outlives its timeout, with nothing left running', async () => {
    const run = await start('slow', { timeoutMinutes: 0.05 });
    const pid = await runPid(run.id);
    const done = await ended(run.id);
    expect(done).toMatchObject({ status: 'timed-out', exitCode: 124, message: 'Stopped after its timeout of 3 seconds.' });
    await expect.poll(() => groupMembers(pid), { timeout: 10_000 }).toEqual([]);
  });

  it('is failed with the exit code and the end of the log', async () => {
    await writeFile(join(tmp.path, 'job', 'job.py'), 'raise SystemExit("no such table: crashes")\n');
    const done = await ended((await start()).id);
    expect(done.status).toBe('failed');
    expect(done.exitCode).toBe(1);
    expect(done.message).toMatch(/^Exited with code 1\.\n[\s\S]*no such table: crashes/);
  });
});

describe('a run whose worker is gone', () => {
  it('ends as worker-gone when its folder vanishes from the worker', async () => {
    const run = await start('slow');
    const pid = await runPid(run.id);
    // Removed while the job runs: it can no longer record an exit code or a log there.
    await rm(runDir(run.id), { recursive: true, force: true });
    const gone = await ended(run.id);
    expect(gone.status).toBe('worker-gone');
    expect(gone.message).toMatch(/folder .* is gone from the worker/);
    expect(gone.resultsLost).toBe(true);
    // The job may already have ended by itself on a loaded machine; then there is nothing to kill.
    signal(-pid, 'SIGKILL');
    await expect.poll(() => groupMembers(pid), { timeout: 10_000 }).toEqual([]);
  });

  it('ends as worker-gone when the worker is removed, and after a restart too', async () => {
    const run = await start('slow');
    const pid = await runPid(run.id);
    await call('workers:remove', { workerId: worker.id });
    const gone = await call('jobs:get', { runId: run.id });
    expect(gone.status).toBe('worker-gone');
    // Whichever sees it first says so: the removal itself, or the follower that finds no worker.
    expect(gone.message).toMatch(/The worker was removed from the app|The worker ssh-\w+ no longer exists/);
    signal(-pid, 'SIGKILL');
    await expect.poll(() => groupMembers(pid), { timeout: 10_000 }).toEqual([]);
    // A run recorded as running whose worker no longer exists is found gone on start.
    const other = await call('jobs:list').then((runs) => runs.length);
    expect(other).toBe(1);
    await reopen();
    expect((await call('jobs:get', { runId: run.id })).status).toBe('worker-gone');
    await expect(call('jobs:outputs', { runId: run.id })).rejects.toThrow(/no longer exists/);
  });
});
