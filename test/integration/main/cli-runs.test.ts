import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LogChunk, Run } from '../../../src/shared/model.ts';
import { runCliProcess, startCli } from '../../fixtures/cli-process.ts';
import { appDirWithSshWorker } from '../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { COUNT_BY_APP_JOB, MATCH_ALL_FILTER, sessionSubmissions, writeTelemetryData } from '../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

/** A job that waits at a gate (a file the test creates) before it maps, so the test decides when it ends. */
function gatedJob(gate: string, end: string): string {
  return `
import os, sys, time
print("waiting at the gate", file=sys.stderr, flush=True)
while not os.path.exists(${JSON.stringify(gate)}):
    time.sleep(0.05)
print("past the gate", file=sys.stderr, flush=True)
${end}
`;
}

const RUN_ID_LINE = /^Run (\d{8}-\d{6}-[0-9a-f]{6}) of job started on box\.$/m;

describe('runs that outlive the command that started them (against sshd)', () => {
  const sshd = useSshd();
  let root: string;
  let appDir: string;
  let gate: string;

  beforeAll(async () => {
    // One data set for every test (written again, it would grow).
    await writeTelemetryData(join(sshd.dir, 'runs-data'), sessionSubmissions(12));
  });
  beforeEach(async () => {
    root = await useTempDir('cli-runs');
    gate = join(root, 'gate');
    ({ appDir } = await appDirWithSshWorker(root, sshd, { workDir: join(sshd.dir, 'wb-runs') }));
    await mkdir(join(root, 'job'));
    await writeFile(join(root, 'job', 'filter.json'), MATCH_ALL_FILTER);
  });

  const cli = (...args: string[]) => runCliProcess([...args, '--data-dir', appDir]);
  const runArgs = () => ['run', join(root, 'job'), '--worker', 'box', '--data', join(sshd.dir, 'runs-data'), '--mappers', '1', '--data-dir', appDir];

  it('a run whose command was killed is listed, read, attached to, finished and downloaded by later commands', async () => {
    await writeFile(join(root, 'job', 'job.py'), gatedJob(gate, COUNT_BY_APP_JOB));
    const first = startCli([...runArgs(), '--output', join(root, 'first-output')]);
    await first.printed(/waiting at the gate/);
    const runId = RUN_ID_LINE.exec(first.stderr())?.[1] ?? '';
    first.kill('SIGKILL');
    await first.exited;

    const listed = await cli('runs');
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${runId}  running\\s+-\\s+\\S+ \\S+\\s+box\\s+job$`, 'm'));

    // One call reads one piece of the log and ends, holding no connection open.
    const log = await cli('call', 'jobs:log', JSON.stringify({ runId, offset: 0 }));
    expect(log.code, log.stderr).toBe(0);
    expect((JSON.parse(log.stdout) as LogChunk).text).toContain('waiting at the gate\n');
    expect((JSON.parse(log.stdout) as LogChunk).done).toBe(false);

    const attach = startCli(['attach', runId, '--output', join(root, 'attached'), '--data-dir', appDir]);
    await attach.printed(/Following run \S+ of job from here on\./);
    await writeFile(gate, '');
    const { code } = await attach.exited;
    expect(code, attach.stderr()).toBe(0);
    // From where it was: the lines after the gate, not the one printed before attach.
    expect(attach.stdout()).not.toContain('waiting at the gate');
    expect(attach.stdout()).toContain('past the gate\n');
    expect(attach.stdout().split('\n').filter((line) => line.startsWith('saw '))).toHaveLength(12);
    expect(attach.stderr()).toContain(`Run ${runId} succeeded.`);
    expect(await readFile(join(root, 'attached', 'job.txt'), 'utf8')).toBe('Fennec\t4\nFirefox\t8\n');

    const got = await cli('call', 'jobs:get', JSON.stringify({ runId }));
    expect((JSON.parse(got.stdout) as Run).status).toBe('succeeded');
    const ended = await cli('call', 'jobs:log', JSON.stringify({ runId, offset: 0 }));
    expect(ended.code, ended.stderr).toBe(0);
    expect((JSON.parse(ended.stdout) as LogChunk).done).toBe(true);
  });

  it('a run that ended while no command followed it says so on the next look (jobs:get, runs)', async () => {
    await writeFile(join(root, 'job', 'job.py'), gatedJob(gate, 'sys.exit(3)'));
    const first = startCli(runArgs());
    await first.printed(/waiting at the gate/);
    const runId = RUN_ID_LINE.exec(first.stderr())?.[1] ?? '';
    first.kill('SIGKILL');
    await first.exited;
    await writeFile(gate, '');
    // The worker records the job's end in the run's folder.
    const exitFile = join(sshd.dir, 'wb-runs', 'runs', runId, 'exit');
    for (let i = 0; i < 200 && !(await readFile(exitFile, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 50));

    const got = await cli('call', 'jobs:get', JSON.stringify({ runId }));
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout) as Run).toMatchObject({ status: 'failed', exitCode: 3 });
    const listed = await cli('runs');
    expect(listed.stdout).toMatch(new RegExp(`^${runId}  failed\\s+3\\s`, 'm'));
    const attach = await cli('attach', runId, '--output', join(root, 'out'));
    expect(attach.code).toBe(3);
    expect(attach.stderr).toContain(`Run ${runId} had already ended.`);
    expect(attach.stderr).toContain(`Run ${runId} failed.`);
  });

  it('a run that succeeded while no command followed it is listed as such without its output being fetched; attach fetches it', async () => {
    await writeFile(join(root, 'job', 'job.py'), gatedJob(gate, COUNT_BY_APP_JOB));
    await writeFile(gate, '');
    const detached = await cli(...runArgs().slice(0, -2), '--detach');
    const runId = detached.stdout.trim();
    const exitFile = join(sshd.dir, 'wb-runs', 'runs', runId, 'exit');
    for (let i = 0; i < 200 && !(await readFile(exitFile, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 50));

    const listed = await cli('runs');
    expect(listed.stdout).toMatch(new RegExp(`^${runId}  succeeded\\s+0\\s`, 'm'));
    await expect(readdir(join(appDir, 'results', runId))).rejects.toThrow(/ENOENT/);
    const attach = await cli('attach', runId, '--output', join(root, 'later'));
    expect(attach.code, attach.stderr).toBe(0);
    expect(await readFile(join(root, 'later', 'job.txt'), 'utf8')).toBe('Fennec\t4\nFirefox\t8\n');
  });

  it('run --detach prints the run id and returns while the job goes on; attach follows it to its code', async () => {
    await writeFile(join(root, 'job', 'job.py'), gatedJob(gate, 'sys.exit(5)'));
    const detached = await cli(...runArgs().slice(0, -2), '--detach');
    expect(detached.code, detached.stderr).toBe(0);
    const runId = detached.stdout.trim();
    expect(runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{6}$/);
    expect(detached.stderr).toContain(`'workbench attach ${runId}'`);
    // Still at the gate: the command did not wait for the job.
    expect(await readdir(join(sshd.dir, 'wb-runs', 'runs', runId))).not.toContain('exit');

    const attach = startCli(['attach', runId, '--from-start', '--data-dir', appDir]);
    await attach.printed(/waiting at the gate/);
    await writeFile(gate, '');
    expect((await attach.exited).code, attach.stderr()).toBe(5);
    expect(attach.stdout()).toBe('waiting at the gate\npast the gate\n');
  });

  it('attach says what a run id looks like, and which run does not exist; run --detach takes no --output', async () => {
    const detachedOutput = await cli(...runArgs().slice(0, -2), '--detach', '--output', join(root, 'out'));
    expect(detachedOutput.code).toBe(2);
    expect(detachedOutput.stderr).toContain("--detach downloads nothing: give --output DIR to 'workbench attach RUN_ID' instead.");
    const bad = await cli('attach', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"nope" is not a run id; run ids look like 20261207-031500-a1b2c3');
    const missing = await cli('attach', '20261207-031500-a1b2c3');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('There is no run 20261207-031500-a1b2c3.');
  });
});
