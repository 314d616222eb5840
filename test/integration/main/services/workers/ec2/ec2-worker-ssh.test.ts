import { access, mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../../src/main/workbench.ts';
import { EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Ec2List, Ec2Worker } from '../../../../../../src/shared/ec2-model.ts';
import type { EventEnvelope } from '../../../../../../src/shared/protocol.ts';
import type { TerminalData } from '../../../../../../src/shared/worker-model.ts';
import { startInstanceSshd, type InstanceSshd } from '../../../../../fixtures/ec2-instance-sshd.ts';
import { useMoto } from '../../../../../fixtures/server-hooks.ts';
import { COUNT_BY_APP_JOB, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../../../../fixtures/telemetry-data.ts';
import { makeTempDir, type TempDir } from '../../../../../fixtures/temp-dir.ts';
import { awsEnv, TEST_CIDR } from './harness.ts';
import { callerOf } from '../../../../../fixtures/workbench-call.ts';

/**
 * An EC2 worker is a worker like any other: launched through the contract against moto, its
 * public address mapped by the app's ssh_config to a loopback sshd that plays the instance as
 * cloud-init would set it up (the host key and authorized key from the instance's user-data),
 * it is listed, connected with its pinned host key, browsed, given a terminal, and runs a job.
 */

const moto = useMoto();
let tmp: TempDir;
let dataDir: string;
let workbench: Workbench;
const seen: EventEnvelope[] = [];
const sshds: InstanceSshd[] = [];
const savedEnv = { ...process.env };

const call = callerOf(() => workbench);

beforeAll(async () => {
  tmp = await makeTempDir('ec2-worker-ssh');
  dataDir = join(tmp.path, 'app');
  await mkdir(dataDir);
  // The whole app reads AWS and the user's ssh_config from the environment, as it would on a desktop.
  Object.assign(process.env, await awsEnv(tmp.path, moto), { WORKBENCH_USER_SSH_CONFIG: join(tmp.path, 'no-user-ssh-config') });
  delete process.env['SSH_AUTH_SOCK'];
  workbench = await createWorkbench({ dataDir, host: 'web', resourcesDir: resolve('resources') });
  const subscriber = workbench.hub.connect((batch) => seen.push(...batch));
  for (const topic of ['workers:state', 'workers:host-key', 'terminal:data', 'ec2:warning', 'ec2:workers']) subscriber.subscribe({ topic });
});

afterAll(async () => {
  await workbench?.close();
  await Promise.all(sshds.map((s) => s.stop()));
  await tmp?.cleanup();
  process.env = savedEnv;
});

/** Launches a worker through the contract and stands a loopback sshd in for its instance. */
async function launchMapped(name: string, hostKey: 'pinned' | 'own' = 'pinned'): Promise<{ worker: Ec2Worker; sshd: InstanceSshd }> {
  const worker = await call('ec2:launch', { name, region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 4, allowedCidr: TEST_CIDR, sshUser: userInfo().username });
  const sshd = await startInstanceSshd(moto, worker.instanceId ?? '', { hostKey });
  sshds.push(sshd);
  // The app's own ssh_config sends moto's public-looking address to the loopback sshd.
  const mapping = `Host ${worker.address}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n`;
  await writeFile(join(dataDir, 'ssh_config'), mapping, { flag: 'a' });
  return { worker, sshd };
}

describe('an EC2 worker from moto, mapped to the loopback sshd through ssh_config', () => {
  let worker: Ec2Worker;
  let sshd: InstanceSshd;

  beforeAll(async () => {
    ({ worker, sshd } = await launchMapped('mapped'));
  });

  it('is listed by workers:list with its address, user, deadline and instance state', async () => {
    const listed = (await call('workers:list')).find((w) => w.id === worker.id);
    expect(listed).toMatchObject({ kind: 'ec2', name: 'mapped', host: worker.address, user: userInfo().username, state: 'disconnected' });
    expect(listed?.ec2).toMatchObject({ region: 'us-east-1', instanceType: 't3.medium', instanceId: worker.instanceId, deadline: worker.deadline, reachable: true, overdue: false, hourlyUsd: 0.0416 });
    expect(listed?.ec2?.instanceState).toMatch(/^(pending|running)$/);
    expect(listed?.ec2?.secondsLeft).toBeGreaterThan(4 * 3600 - 120);
    expect(listed?.ec2?.secondsLeft).toBeLessThanOrEqual(4 * 3600);
  });

  it('connects with the host key pinned at launch: nothing is asked, nothing goes to known_hosts', async () => {
    const connected = await call('workers:connect', { workerId: worker.id });
    expect(connected).toMatchObject({ id: worker.id, kind: 'ec2', state: 'connected' });
    expect(seen.filter((e) => e.topic === 'workers:host-key')).toEqual([]);
    expect(await call('workers:pending-host-key', { workerId: worker.id })).toBeNull();
    await expect(access(join(dataDir, 'known_hosts'))).rejects.toThrow();
    expect((await call('workers:list')).find((w) => w.id === worker.id)?.state).toBe('connected');
  });

  it('lists its files and opens a terminal on it', async () => {
    await writeFile(join(sshd.home, 'notes.txt'), 'on the instance\n');
    const listing = await call('files:list', { workerId: worker.id, path: sshd.home });
    expect(listing.entries.find((e) => e.name === 'notes.txt')).toMatchObject({ type: 'file', size: 16 });

    const { terminalId } = await call('terminal:open', { workerId: worker.id, cols: 80, rows: 24 });
    await call('terminal:input', { terminalId, data: 'echo "ec2-$((6*7)) in $HOME"\n' });
    const output = () =>
      seen
        .filter((e) => e.topic === 'terminal:data' && (e.payload as TerminalData).terminalId === terminalId)
        .map((e) => (e.payload as TerminalData).data)
        .join('');
    await expect.poll(output, { timeout: 15_000 }).toContain(`ec2-42 in ${sshd.home}`);
    await call('terminal:close', { terminalId });
  });

  it('runs a job end to end (jobs:start with the EC2 worker) and collects its output', async () => {
    const job = await writeJobFolder(join(tmp.path, 'job'), COUNT_BY_APP_JOB);
    const data = join(sshd.home, 'data');
    await writeTelemetryData(data, sessionSubmissions(30, (i) => (i < 20 ? 'Firefox' : 'Fennec')));
    const started = await call('jobs:start', { source: { kind: 'folder', path: job }, dataDir: data, mappers: 1, worker: worker.id });
    expect(started.worker).toBe(worker.id);
    await expect.poll(async () => (await call('jobs:get', { runId: started.id })).status, { timeout: 90_000 }).toBe('succeeded');
    // The run lived on the instance, in its home's work folder.
    await access(join(sshd.home, '.workbench', 'runs', started.id, 'log'));
    await expect.poll(async () => (await call('jobs:result', { runId: started.id }))?.text ?? '', { timeout: 30_000 }).toMatch(/Firefox\t20\n/);
    expect((await call('jobs:result', { runId: started.id }))?.text).toMatch(/Fennec\t10\n/);
  });

  it('is not removed like an SSH host: the app says to terminate it', async () => {
    await expect(call('workers:remove', { workerId: worker.id })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/terminated: use Terminate/) });
  });

  it('a terminated worker leaves workers:list and cannot be connected again', async () => {
    await call('ec2:terminate', { workerId: worker.id });
    expect((await call('workers:list')).some((w) => w.id === worker.id)).toBe(false);
    await expect(call('workers:connect', { workerId: worker.id })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/mapped is (shutting-down|terminated): the instance and its disk are gone/) });
  });
});

describe('an EC2 worker whose instance shows another host key than the one pinned at launch', () => {
  it('is refused with a clear error, without asking the user to trust it', async () => {
    const { worker, sshd } = await launchMapped('impostor', 'own');
    const err = await call('workers:connect', { workerId: worker.id }).catch((e: unknown) => e as { code: string; message: string });
    expect(err).toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect((err as Error).message).toMatch(/not the one pinned when impostor was launched.*refused/);
    // The key shown is reported as a changed key (a warning), not a question: it cannot be trusted.
    const shown = await call('workers:pending-host-key', { workerId: worker.id });
    expect(shown).toMatchObject({ workerId: worker.id, host: '127.0.0.1', keyType: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprint, changedFrom: expect.stringMatching(/^SHA256:/) });
    await expect(call('workers:trust-host-key', { workerId: worker.id, fingerprint: shown!.fingerprint })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const listed = (await call('workers:list')).find((w) => w.id === worker.id);
    expect(listed).toMatchObject({ state: 'failed', message: expect.stringMatching(/pinned/) });
    await expect(access(join(dataDir, 'known_hosts'))).rejects.toThrow();
  });
});

describe('an EC2 worker that ended by itself (its deadline came)', () => {
  it('leaves workers:list at the next look at AWS, and the lists are told', async () => {
    const worker = await call('ec2:launch', { name: 'short-lived', region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 1, allowedCidr: TEST_CIDR });
    expect((await call('workers:list')).some((w) => w.id === worker.id)).toBe(true);
    // The instance powers itself off; with shutdown behaviour "terminate", AWS ends it.
    const ec2 = new EC2Client(moto.clientConfig());
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [worker.instanceId ?? ''] }));
    ec2.destroy();
    const told = seen.length;
    await call('ec2:list');
    expect((await call('workers:list')).some((w) => w.id === worker.id)).toBe(false);
    await expect
      .poll(() => seen.slice(told).filter((e) => e.topic === 'ec2:workers').map((e) => (e.payload as Ec2List).workers.find((w) => w.id === worker.id)?.state), { timeout: 5_000 })
      .toContainEqual(expect.stringMatching(/^(shutting-down|terminated)$/));
  });
});

describe('bad launch input through the contract', () => {
  it('names the field and what to fix', async () => {
    const launch = (change: Record<string, unknown>) => call('ec2:launch', { name: 'fine', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR, ...change });
    await expect(launch({ name: 'bad name!' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^ec2:launch: name: a short name: letters, digits, "\.", "-" or "_", no spaces$/) });
    await expect(launch({ lifetimeHours: 25 })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/lifetimeHours: at most 24 hours: a worker never lives longer/) });
    await expect(launch({ region: 'mars-north-1' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/region: an AWS region the workbench knows \(us-east-1, /) });
    await expect(launch({ instanceType: 't9.enormous' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/instanceType: an instance type from the table \(t3\.medium, /) });
  });
});
