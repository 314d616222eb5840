import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import type { Ec2Worker } from '../../../../../src/shared/ec2-model.ts';
import type { Run } from '../../../../../src/shared/model.ts';
import { startInstanceSshd, type InstanceSshd } from '../../../../fixtures/ec2-instance-sshd.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { groupMembers, signal } from '../../../../fixtures/process-group.ts';
import { sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { awsEnv, TEST_CIDR } from '../workers/ec2/harness.ts';

/**
 * Runs on an EC2 worker from moto, its address mapped by the app's ssh_config to a loopback sshd
 * playing the instance: the worker's deadline is on the run, a timeout that outlasts it is
 * flagged, and terminating the worker ends its runs as worker-gone.
 */

const JOB = `
import time

def map(key, dims, value, context):
    time.sleep(float(open("code/pause").read()))
    context.write(dims[1], 1)

def reduce(key, values, context):
    context.write(key, sum(values))
`;
import { callerOf } from '../../../../fixtures/workbench-call.ts';

const moto = useMoto();
let tmp: TempDir;
let workbench: Workbench;
let sshd: InstanceSshd;
let worker: Ec2Worker;
const savedEnv = { ...process.env };

const call = callerOf(() => workbench);

beforeAll(async () => {
  tmp = await makeTempDir('ec2-runs');
  const dataDir = join(tmp.path, 'app');
  await mkdir(dataDir);
  Object.assign(process.env, await awsEnv(tmp.path, moto), { WORKBENCH_USER_SSH_CONFIG: join(tmp.path, 'no-user-ssh-config') });
  delete process.env['SSH_AUTH_SOCK'];
  workbench = await createWorkbench({ dataDir, host: 'web', resourcesDir: resolve('resources') });
  await call('settings:set', { autoDownloadResults: false });
  worker = await call('ec2:launch', { name: 'hourly', region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 1, allowedCidr: TEST_CIDR, sshUser: userInfo().username });
  sshd = await startInstanceSshd(moto, worker.instanceId ?? '');
  await writeFile(join(dataDir, 'ssh_config'), `Host ${worker.address}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n`);
  await writeTelemetryData(join(sshd.home, 'data'), sessionSubmissions(40, (i) => (i % 2 ? 'Firefox' : 'Fennec')));
  for (const [name, pause] of [['quick', '0'], ['slow', '0.5']] as const) {
    await writeJobFolder(join(tmp.path, name), JOB);
    await writeFile(join(tmp.path, name, 'pause'), pause);
  }
});
afterAll(async () => {
  await workbench?.close();
  await sshd?.stop();
  await tmp?.cleanup();
  process.env = savedEnv;
});

const start = (job: string, timeoutMinutes: number) =>
  call('jobs:start', { source: { kind: 'folder', path: join(tmp.path, job) }, dataDir: join(sshd.home, 'data'), mappers: 1, timeoutMinutes, worker: worker.id });

describe('runs on an EC2 worker', () => {
  let quick: Run;
  let slow: Run;

  it('carry the worker deadline, and one whose timeout outlasts it is flagged when it starts', async () => {
    quick = await start('quick', 30);
    expect(quick.workerDeadline).toBe(worker.deadline);
    expect(quick.warnings).toEqual([]);
    slow = await start('slow', 120);
    expect(slow.workerDeadline).toBe(worker.deadline);
    expect(slow.warnings).toEqual([expect.stringMatching(/^The run's timeout \(2 h\) outlasts hourly: it terminates itself at .* UTC, in (59 min|1 h)\. Extend the worker or download the results before then\.$/)]);
    await expect.poll(async () => (await call('jobs:get', { runId: quick.id })).status, { timeout: 60_000 }).toBe('succeeded');
    expect((await call('jobs:get', { runId: quick.id })).outputs).toEqual([{ name: 'quick.txt', bytes: 21, downloaded: false }]);
  });

  it('end with the worker when it is terminated: a running run is worker-gone, output left there is lost', async () => {
    const pidFile = join(sshd.home, '.workbench', 'runs', slow.id, 'pid');
    await expect.poll(() => readFile(pidFile, 'utf8').then(Number, () => 0), { timeout: 30_000 }).toBeGreaterThan(1);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await call('ec2:terminate', { workerId: worker.id });
    await expect.poll(async () => (await call('jobs:get', { runId: slow.id })).status, { timeout: 30_000 }).toBe('worker-gone');
    expect((await call('jobs:get', { runId: slow.id })).message).toMatch(/hourly was terminated/);
    const finished = await call('jobs:get', { runId: quick.id });
    expect(finished).toMatchObject({ status: 'succeeded', resultsLost: true });
    // The sshd standing in for the instance does not die with it: end the job it was running.
    signal(-pid, 'SIGKILL');
    await expect.poll(() => groupMembers(pid), { timeout: 10_000 }).toEqual([]);
  });
});
