import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { LogChunk, Run } from '../../../../../src/shared/model.ts';
import type { EventEnvelope } from '../../../../../src/shared/protocol.ts';
import type { Workbench } from '../../../../../src/main/workbench.ts';
import { groupMembers } from '../../../../fixtures/process-group.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';
import { recordPrintingJob, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const sshd = useSshd();
const { tmp, worker, workbench, reopen } = useWorkbenchWithSshWorker(sshd, 'remote-runs');

beforeEach(async () => {
  // The worker's data set (sshd runs on this machine, so its files are ours to write).
  await writeTelemetryData(join(sshd.dir, 'data'), sessionSubmissions(240, (i) => (i % 2 ? 'Firefox' : 'Fennec')));
  await writeJobFolder(join(tmp.path, 'job'), recordPrintingJob(0.025, 40));
});

const call = callerOf(() => workbench);

function follow(wb: Workbench, runId: string) {
  const chunks: LogChunk[] = [];
  const runs: Run[] = [];
  const subscriber = wb.hub.connect((batch: EventEnvelope[]) => {
    for (const e of batch) {
      if (e.topic === 'jobs:log') chunks.push(e.payload as LogChunk);
      else if (e.topic === 'jobs:run') runs.push(e.payload as Run);
    }
  });
  subscriber.subscribe({ topic: 'jobs:log', key: runId });
  subscriber.subscribe({ topic: 'jobs:run', key: runId });
  return { chunks, runs, close: () => subscriber.close() };
}

const start = () => call('jobs:start', { source: { kind: 'folder', path: join(tmp.path, 'job') }, dataDir: join(sshd.dir, 'data'), mappers: 1, worker: worker.id });
const runDir = (runId: string) => join(sshd.dir, 'wb', 'runs', runId);

describe('runs on an SSH worker', () => {
  it('keeps a byte-identical log through ten dropped connections', async () => {
    const run = await start();
    expect(run).toMatchObject({ worker: worker.id, status: 'running' });
    const seen = follow(workbench, run.id);
    let drops = 0;
    // The run prints for about 6 s; the ten drops land while it does.
    while (drops < 10) {
      await new Promise((r) => setTimeout(r, 250));
      if ((await killSshSessions(sshd)) > 0) drops++;
      // Wait for the connection to come back before the next drop.
      await expect.poll(() => workbench.ssh.connections.state(worker.id), { timeout: 20_000 }).toBe('connected');
    }
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).status, { timeout: 120_000 }).toBe('succeeded');
    await expect.poll(() => seen.chunks.some((c) => c.done), { timeout: 10_000 }).toBe(true);

    const workerLog = await readFile(join(runDir(run.id), 'log'));
    let offset = 0;
    for (const chunk of seen.chunks) {
      expect(chunk.offset).toBe(offset);
      offset = chunk.nextOffset;
    }
    expect(Buffer.from(seen.chunks.map((c) => c.text).join(''))).toEqual(workerLog);
    expect((workerLog.toString().match(/^record /gm) ?? []).length).toBe(240);
    // A successful run's output is downloaded right after it ends (the default setting).
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).outputs.map((o) => [o.name, o.downloaded !== false]), { timeout: 60_000 }).toEqual([['job.txt', true]]);
    const final = await call('jobs:get', { runId: run.id });
    expect(await readFile(join(final.resultDir!, 'job.txt'), 'utf8')).toBe('Fennec\t120\nFirefox\t120\n');
    seen.close();
  }, 300_000);

  it('is picked up again by a restarted app and completes', async () => {
    const run = await start();
    await reopen();
    const seen = follow(workbench, run.id);
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).status, { timeout: 60_000 }).toBe('succeeded');
    const log = await call('jobs:log', { runId: run.id, offset: 0, limit: 16 * 1024 * 1024 });
    expect(Buffer.from(log.text)).toEqual(await readFile(join(runDir(run.id), 'log')));
    seen.close();
  });

  it('cancels the whole process group on the worker', async () => {
    const run = await start();
    const pidFile = join(runDir(run.id), 'pid');
    await expect.poll(() => readFile(pidFile, 'utf8').then(Number, () => 0), { timeout: 20_000 }).toBeGreaterThan(1);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(async () => (await groupMembers(pid)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(2);
    await call('jobs:cancel', { runId: run.id });
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).status, { timeout: 30_000 }).toBe('cancelled');
    await expect.poll(() => groupMembers(pid), { timeout: 10_000 }).toEqual([]);
  });
});
