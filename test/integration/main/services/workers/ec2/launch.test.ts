import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, RunInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it } from 'vitest';
import { newestUbuntuLts } from '../../../../../../src/main/services/workers/ec2/ami.ts';
import { WorkbenchError } from '../../../../../../src/shared/errors.ts';
import { useMoto } from '../../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, TEST_CIDR, type Harness } from './harness.ts';

const MOTO_ARN = /^arn:aws:sts::123456789012:user\/moto$/;

describe('EC2 workers against moto with the real SDK', () => {
  const moto = useMoto();
  let h: Harness;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let client: EC2Client;

  beforeEach(async () => {
    await moto.reset();
    dataDir = await useTempDir('ec2-launch');
    env = await awsEnv(dataDir, moto);
    h = harness(dataDir, moto, env);
    client = h.client();
    return () => {
      h.close();
      client.destroy();
    };
  });

  async function instances() {
    const answer = await client.send(new DescribeInstancesCommand({}));
    return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  }

  it('finds the newest Ubuntu LTS image of Canonical (moto offers 14.04 and 16.04)', async () => {
    const image = await newestUbuntuLts(client);
    expect(image.OwnerId).toBe('099720109477');
    expect(image.Name).toMatch(/ubuntu-xenial-16\.04-amd64-server/);
  });

  it('launches a tagged, self-terminating worker whose user-data carries its deadline and keys', async () => {
    const before = Date.now();
    const worker = await h.ec2.workers.launch({ name: 'crunch-1', region: 'us-east-1', instanceType: 't3.large', lifetimeHours: 6, diskGiB: 50, allowedCidr: TEST_CIDR });
    expect(worker.state).toMatch(/^(pending|running)$/);
    expect(worker).toMatchObject({ name: 'crunch-1', region: 'us-east-1', instanceType: 't3.large', adopted: false, overdue: false, reachable: true, hourlyUsd: 0.0832 });
    expect(worker.instanceId).toMatch(/^i-/);
    expect(worker.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const deadline = Date.parse(worker.deadline);
    expect(deadline - before).toBeGreaterThanOrEqual(6 * 3_600_000 - 1000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(6 * 3_600_000);
    expect(worker.secondsLeft).toBeGreaterThan(6 * 3600 - 60);

    const [instance, ...others] = await instances();
    expect(others).toEqual([]);
    expect(instance?.ImageId).toBe((await newestUbuntuLts(client)).ImageId);
    const root = instance?.BlockDeviceMappings?.find((m) => m.DeviceName === instance.RootDeviceName);
    const volumes = await client.send(new DescribeVolumesCommand({ VolumeIds: [root?.Ebs?.VolumeId ?? ''] }));
    expect(volumes.Volumes?.[0]?.Size).toBe(50);
    const tags = Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags['app']).toBe('analysis-workbench');
    expect(tags['owner']).toMatch(MOTO_ARN);
    expect(tags['Name']).toBe('crunch-1');
    expect(tags['deadline']).toBe(worker.deadline);
    expect(tags['deadline']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(tags['workbench:worker-id']).toBe(worker.id);

    const behaviour = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: worker.instanceId, Attribute: 'instanceInitiatedShutdownBehavior' }));
    expect(behaviour.InstanceInitiatedShutdownBehavior?.Value).toBe('terminate');

    const attribute = await client.send(new DescribeInstanceAttributeCommand({ InstanceId: worker.instanceId, Attribute: 'userData' }));
    const userData = Buffer.from(attribute.UserData?.Value ?? '', 'base64').toString('utf8');
    const epoch = String(Math.floor(deadline / 1000));
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(userData).toContain(`content: "${epoch}\\n"`);
    expect(userData).toContain(`echo ${epoch}`);
    expect(userData).toContain(worker.deadline);
    expect(userData).toMatch(/ed25519_private: \|\n {4}-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(userData).toMatch(/ed25519_public: ssh-ed25519 AAAA[A-Za-z0-9+/=]+ workbench-ec2-[a-z0-9]{8}-host\n/);
    expect(userData).toMatch(/ssh_authorized_keys:\n {2}- ssh-ed25519 AAAA[A-Za-z0-9+/=]+ workbench-ec2-[a-z0-9]{8}\n/);
    expect(userData).toContain('shutdown -h "+$minutes"');
    expect(userData).toMatch(/packages:\n {2}- python3\n/);
    // The user's private key is never sent anywhere, the host's only to its own instance.
    const endpoint = await h.ec2.workers.endpoint(worker.id);
    const privateLines = endpoint.privateKeys?.[0]?.trim().split('\n') ?? [];
    expect(privateLines.length).toBeGreaterThan(4);
    expect(userData).not.toContain(privateLines.at(-2));
    // The pinned host key is the one in user-data.
    expect(userData).toContain(endpoint.pinnedHostKey?.toString('base64'));

    const groups = await client.send(new DescribeSecurityGroupsCommand({ GroupIds: instance?.SecurityGroups?.map((g) => g.GroupId ?? '') }));
    const ingress = groups.SecurityGroups?.[0]?.IpPermissions ?? [];
    expect(groups.SecurityGroups?.[0]?.GroupName).toBe(`analysis-workbench-ssh-${TEST_CIDR}`);
    expect(ingress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [expect.objectContaining({ CidrIp: TEST_CIDR })] })]);

    // Browser/CLI host: the worker's private key is a 0600 file in <dataDir>/keys.
    const keyFile = await stat(join(dataDir, 'keys', `worker-key-${worker.id}`));
    expect(keyFile.mode & 0o777).toBe(0o600);
    // The host's private key is not kept once the instance exists.
    await expect(stat(join(dataDir, 'keys', `worker-host-key-${worker.id}`))).rejects.toThrow();
  });

  it('reuses the security group of the same source for the next worker', async () => {
    const a = await h.ec2.workers.launch({ name: 'a', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    const b = await h.ec2.workers.launch({ name: 'b', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    const groups = await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`analysis-workbench-ssh-${TEST_CIDR}`] }] }));
    expect(groups.SecurityGroups).toHaveLength(1);
    const byId = new Map((await instances()).map((i) => [i.InstanceId, i.SecurityGroups?.[0]?.GroupId]));
    expect(byId.get(a.instanceId)).toBe(groups.SecurityGroups?.[0]?.GroupId);
    expect(byId.get(b.instanceId)).toBe(groups.SecurityGroups?.[0]?.GroupId);
  });

  it('a retried launch with the same client token makes no second instance', async () => {
    const request = { name: 'retry-me', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR, clientToken: 'form-submit-0001' };
    const first = await h.ec2.workers.launch(request);
    const second = await h.ec2.workers.launch(request);
    expect(second.id).toBe(first.id);
    expect(second.instanceId).toBe(first.instanceId);
    expect(await instances()).toHaveLength(1);
    expect((await h.ec2.workers.list()).workers).toHaveLength(1);
    // A double click: both calls at once still make one instance.
    const twice = { ...request, name: 'double', clientToken: 'form-submit-0002' };
    const [a, b] = await Promise.all([h.ec2.workers.launch(twice), h.ec2.workers.launch(twice)]);
    expect(b.instanceId).toBe(a.instanceId);
    expect(await instances()).toHaveLength(2);
  });

  it('a relaunch with the same client token but other values is refused, naming what differs', async () => {
    const request = { name: 'first', region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 4, allowedCidr: TEST_CIDR, clientToken: 'form-submit-0003' };
    const first = await h.ec2.workers.launch(request);
    const err = await h.ec2.workers.launch({ ...request, name: 'second', instanceType: 't3.large', lifetimeHours: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as WorkbenchError).code).toBe('BAD_INPUT');
    expect((err as WorkbenchError).message).toBe(
      `The client token form-submit-0003 already launched "first" (${first.id}); this request differs in name ("second", not "first"), instance type (t3.large, not t3.medium), lifetime (1 hour, not 4 hours). ` +
        'To retry that launch, send the same values; for another worker, use a new token (a new launch form).',
    );
    await expect(h.ec2.workers.launch({ ...request, lifetimeHours: 24 })).rejects.toThrow(/differs in lifetime \(24 hours, not 4 hours\)\./);
    expect(await instances()).toHaveLength(1);
    // The same values are a retry: the first worker, not a second.
    expect((await h.ec2.workers.launch(request)).instanceId).toBe(first.instanceId);
    expect((await h.ec2.workers.list()).workers.map((w) => w.name)).toEqual(['first']);
  });

  it('a crash right after RunInstances: the retry and the next start both find the instance, none is made twice', async () => {
    const crashing = harness(dataDir, moto, env, {
      ec2: async (region, profile) => {
        const real = await h.ec2.workers.ec2(region, profile);
        const send = real.send.bind(real) as (command: unknown) => Promise<unknown>;
        real.send = (async (command: unknown) => {
          const answer = await send(command);
          if (command instanceof RunInstancesCommand) throw new Error('the app crashed');
          return answer;
        }) as typeof real.send;
        return real;
      },
    });
    const request = { name: 'lost', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR, clientToken: 'crash-token-0001' };
    await expect(crashing.ec2.workers.launch(request)).rejects.toThrow(/the app crashed/);
    crashing.close();
    expect(await instances()).toHaveLength(1);

    // The next start of the app reconciles: the launching record gets its instance, keys intact.
    const next = harness(dataDir, moto, env);
    const { workers, message } = await next.ec2.workers.list();
    next.close();
    expect(message).toBeUndefined();
    expect(workers).toHaveLength(1);
    expect(workers[0]).toMatchObject({ name: 'lost', state: 'running', reachable: true, adopted: false });
    expect(workers[0]?.instanceId).toBe((await instances())[0]?.InstanceId);

    // A retry of the same launch afterwards returns it too.
    const again = await h.ec2.workers.launch(request);
    expect(again.id).toBe(workers[0]?.id);
    expect(await instances()).toHaveLength(1);
  });

  it('an instance of this user unknown to this data dir is adopted (listed, not reachable)', async () => {
    const launched = await h.ec2.workers.launch({ name: 'elsewhere', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    const otherDir = await useTempDir('ec2-other');
    const other = harness(otherDir, moto, env);
    const { workers } = await other.ec2.workers.list();
    other.close();
    expect(workers).toEqual([expect.objectContaining({ id: launched.id, name: 'elsewhere', instanceId: launched.instanceId, deadline: launched.deadline, adopted: true, reachable: false, state: 'running' })]);
  });

  it('terminates a worker; the list then shows it terminated', async () => {
    const worker = await h.ec2.workers.launch({ name: 'short', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    const terminated = await h.ec2.workers.terminate(worker.id);
    expect(terminated.state).toMatch(/shutting-down|terminated/);
    expect(terminated.secondsLeft).toBe(0);
    const [instance] = await instances();
    expect(instance?.State?.Name).toMatch(/shutting-down|terminated/);
    const { workers } = await h.ec2.workers.list();
    expect(workers[0]?.state).toMatch(/shutting-down|terminated/);
    expect(h.changes.length).toBeGreaterThan(0);
  });

  it('flags a worker still running past its deadline, and counts its cost to now', async () => {
    let now = new Date();
    const clocked = harness(dataDir, moto, env, { now: () => now });
    const worker = await clocked.ec2.workers.launch({ name: 'stubborn', region: 'us-east-1', instanceType: 'm6i.large', lifetimeHours: 1, allowedCidr: TEST_CIDR });
    now = new Date(Date.parse(worker.deadline) + 10 * 60_000);
    const { workers } = await clocked.ec2.workers.list();
    clocked.close();
    expect(workers[0]).toMatchObject({ overdue: true, state: 'running', secondsLeft: 0 });
    expect(workers[0]?.message).toMatch(/past its deadline.*Terminate it/);
    expect(workers[0]?.costUsd).toBeCloseTo(0.096 * (70 / 60), 3);
  });

  it('warns 60 and 15 minutes before the kill, once each', async () => {
    let now = new Date();
    const clocked = harness(dataDir, moto, env, { now: () => now });
    const worker = await clocked.ec2.workers.launch({ name: 'ticking', region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 2, allowedCidr: TEST_CIDR });
    const deadline = Date.parse(worker.deadline);
    await clocked.ec2.workers.checkDeadlines();
    now = new Date(deadline - 59 * 60_000);
    await clocked.ec2.workers.checkDeadlines();
    await clocked.ec2.workers.checkDeadlines();
    now = new Date(deadline - 14 * 60_000);
    await clocked.ec2.workers.checkDeadlines();
    await clocked.ec2.workers.checkDeadlines();
    await new Promise((resolve) => setTimeout(resolve, 50)); // one event frame
    clocked.close();
    expect(clocked.warnings.map((w) => [w.workerId, w.minutesLeft])).toEqual([
      [worker.id, 59],
      [worker.id, 14],
    ]);
    expect(clocked.warnings[1]?.message).toMatch(/ticking terminates itself in 14 minutes \(at \d\d:\d\d UTC\)\. Download your results/);
  });

  it('refuses to extend past 24 hours from launch, and refuses when the instance cannot be reached', async () => {
    const full = await h.ec2.workers.launch({ name: 'full', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    await expect(h.ec2.workers.extend(full.id, 1)).rejects.toThrow(/cannot be extended further/);
    const half = await h.ec2.workers.launch({ name: 'half', region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 12, allowedCidr: TEST_CIDR });
    // No ssh_config maps moto's address to loopback here: the guard refuses before any socket.
    const err = await h.ec2.workers.extend(half.id, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect((err as WorkbenchError).code).toBe('LOOPBACK_ONLY');
    const [instance] = (await instances()).filter((i) => i.InstanceId === half.instanceId);
    expect(instance?.Tags?.find((t) => t.Key === 'deadline')?.Value).toBe(half.deadline);
  });

  it('bad input is refused with a message naming the field', async () => {
    const launch = (patch: Record<string, unknown>) => h.ec2.workers.launch({ name: 'ok', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR, ...patch });
    await expect(launch({ name: 'bad name!' })).rejects.toThrow(/name: a short name: letters, digits/);
    await expect(launch({ lifetimeHours: 25 })).rejects.toThrow(/lifetimeHours: at most 24 hours/);
    await expect(launch({ region: 'mars-north-1' })).rejects.toThrow(/region: an AWS region the workbench knows/);
    await expect(launch({ instanceType: 't9.enormous' })).rejects.toThrow(/instanceType: an instance type from the table/);
    await expect(launch({ allowedCidr: '0.0.0.0' })).rejects.toThrow(/allowedCidr: an IPv4 CIDR/);
    await expect(launch({ imageId: 'ami-0123456789abcdef0' })).rejects.toThrow(/imageId: the AMI ami-0123456789abcdef0 does not exist in us-east-1/);
    // A failure AWS (moto) reports itself becomes a message saying what was refused.
    await expect(launch({ instanceProfile: 'no-such-profile' })).rejects.toThrow(/AWS refused to launch the worker \(\w+\): .*no-such-profile/);
    await h.ec2.workers.launch({ name: 'twin', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    await expect(launch({ name: 'twin' })).rejects.toThrow(/already an EC2 worker named "twin"/);
    // Without an explicit source, the address is never looked up from a test.
    await expect(launch({ allowedCidr: undefined })).rejects.toThrow(/not looked up while only loopback/);
  });
});
