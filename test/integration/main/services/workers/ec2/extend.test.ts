import { execFile } from 'node:child_process';
import { appendFile, chmod, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEd25519, publicKeyBlob, type SshKeyPair } from '../../../../../../src/main/services/workers/ec2/keys.ts';
import { WorkbenchError } from '../../../../../../src/shared/errors.ts';
import { makeTempDir, useTempDir, type TempDir } from '../../../../../fixtures/temp-dir.ts';
import { startMoto, type Moto } from '../../../../../fixtures/moto.ts';
import { startSshd, type Sshd } from '../../../../../fixtures/sshd.ts';
import { awsEnv, harness, RESOURCES, TEST_CIDR } from './harness.ts';

const run = promisify(execFile);
const SCRIPT = join(RESOURCES, 'worker', 'cloud-init', 'workbench-deadline.sh');

/** A bin dir with the real deadline script, a `sudo` that just runs its command, and a `shutdown` that records its arguments. */
async function fakeBin(dir: string): Promise<{ bin: string; log: string; deadlineFile: string }> {
  const bin = join(dir, 'bin');
  const log = join(dir, 'shutdown.log');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n', { mode: 0o755 });
  await writeFile(join(bin, 'shutdown'), `#!/bin/sh\necho "$*" >> '${log}'\n`, { mode: 0o755 });
  await copyFile(SCRIPT, join(bin, 'workbench-deadline'));
  await chmod(join(bin, 'workbench-deadline'), 0o755);
  return { bin, log, deadlineFile: join(dir, 'etc', 'deadline') };
}

describe('the deadline script (what runs on the worker at boot and on extend)', () => {
  async function runScript(args: string[], deadlineEpoch?: number) {
    const dir = await useTempDir('deadline-script');
    const fake = await fakeBin(dir);
    if (deadlineEpoch !== undefined) {
      await mkdir(join(dir, 'etc'));
      await writeFile(fake.deadlineFile, `${deadlineEpoch}\n`);
    }
    const env = { PATH: `${fake.bin}:/usr/bin:/bin`, WORKBENCH_DEADLINE_FILE: fake.deadlineFile };
    const result = await run('workbench-deadline', args, { env }).then(
      (r) => ({ code: 0, stderr: r.stderr }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    const log = await readFile(fake.log, 'utf8').catch(() => '');
    const file = await readFile(fake.deadlineFile, 'utf8').catch(() => undefined);
    return { ...result, calls: log.trim().split('\n').filter(Boolean), file };
  }

  it('at boot, schedules the power-off at the recorded deadline, rounded down to whole minutes', async () => {
    const deadline = Math.floor(Date.now() / 1000) + 90 * 60 + 30;
    const { code, calls } = await runScript([], deadline);
    expect(code).toBe(0);
    expect(calls[0]).toBe('-c');
    expect(calls[1]).toMatch(/^-h \+(89|90) Analysis Workbench/);
  });

  it('a boot after the deadline powers off at once', async () => {
    const { calls } = await runScript([], Math.floor(Date.now() / 1000) - 600);
    expect(calls.at(-1)).toMatch(/^-h now /);
  });

  it('records a new deadline given as an argument, and refuses anything but a number', async () => {
    const epoch = Math.floor(Date.now() / 1000) + 3 * 3600;
    const ok = await runScript([String(epoch)]);
    expect(ok.file).toBe(`${epoch}\n`);
    expect(ok.calls[1]).toMatch(/^-h \+(179|180) /);
    const bad = await runScript(['$(reboot)'], epoch);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/seconds since the epoch/);
    expect(bad.calls).toEqual([]);
  });
});

describe('extending an EC2 worker over SSH (moto + a loopback sshd standing in for the instance)', () => {
  let moto: Moto;
  let sshd: Sshd;
  let shared: TempDir;
  let fake: Awaited<ReturnType<typeof fakeBin>>;

  beforeAll(async () => {
    shared = await makeTempDir('ec2-extend');
    fake = await fakeBin(shared.path);
    await mkdir(join(shared.path, 'etc'));
    // The session's PATH finds the fake sudo and shutdown first; the deadline file is in the temp dir.
    [moto, sshd] = await Promise.all([startMoto(), startSshd({ extraConfig: [`SetEnv PATH=${fake.bin}:/usr/bin:/bin WORKBENCH_DEADLINE_FILE=${fake.deadlineFile}`] })]);
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), sshd?.stop()]);
    await shared?.cleanup();
  });

  async function sshdHostKey(): Promise<SshKeyPair> {
    const publicKey = (await readFile(join(sshd.dir, 'host_ed25519.pub'), 'utf8')).trim();
    return { privateKey: await readFile(join(sshd.dir, 'host_ed25519'), 'utf8'), publicKey, blob: publicKeyBlob(publicKey) };
  }

  async function launchMapped(hostKey?: SshKeyPair) {
    const dataDir = await useTempDir('ec2-extend-data');
    const env = await awsEnv(dataDir, moto);
    const h = harness(dataDir, moto, env, hostKey ? { keys: { user: generateEd25519, host: () => hostKey } } : {});
    const worker = await h.ec2.workers.launch({ name: 'extend-me', region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 4, allowedCidr: TEST_CIDR, sshUser: sshd.username });
    // moto's public-looking address is mapped to the loopback sshd by the app's own ssh_config.
    await writeFile(join(dataDir, 'ssh_config'), `Host ${worker.address}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n`);
    const endpoint = await h.ec2.workers.endpoint(worker.id);
    const record = (await h.ec2.workers.records()).find((r) => r.id === worker.id);
    await appendFile(join(sshd.dir, 'authorized_keys'), `${record?.userPublicKey}\n`);
    expect(endpoint.privateKeys).toHaveLength(1);
    return { h, worker };
  }

  async function deadlineTag(instanceId: string | undefined): Promise<string | undefined> {
    const ec2 = new EC2Client(moto.clientConfig());
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId ?? ''] }));
    ec2.destroy();
    return answer.Reservations?.[0]?.Instances?.[0]?.Tags?.find((t) => t.Key === 'deadline')?.Value;
  }

  it('reschedules the shutdown on the instance (pinned host key, per-worker key), then moves the tag', async () => {
    const { h, worker } = await launchMapped(await sshdHostKey());
    try {
      const extended = await h.ec2.workers.extend(worker.id, 2);
      const wanted = Date.parse(worker.deadline) + 2 * 3_600_000;
      expect(Math.abs(Date.parse(extended.deadline) - wanted)).toBeLessThan(1000);
      const epoch = Date.parse(extended.deadline) / 1000;
      expect(await readFile(fake.deadlineFile, 'utf8')).toBe(`${epoch}\n`);
      const calls = (await readFile(fake.log, 'utf8')).trim().split('\n');
      expect(calls.at(-2)).toBe('-c');
      expect(calls.at(-1)).toMatch(/^-h \+(359|360) /);
      expect(await deadlineTag(worker.instanceId)).toBe(extended.deadline);
      // Never past 24 hours from launch: 24 more hours stop at the limit.
      const capped = await h.ec2.workers.extend(worker.id, 24);
      expect(Date.parse(capped.deadline)).toBeLessThanOrEqual(Date.parse(worker.launchedAt) + 24 * 3_600_000);
      expect(Date.parse(capped.deadline)).toBeGreaterThan(Date.parse(worker.launchedAt) + 24 * 3_600_000 - 1000);
      await expect(h.ec2.workers.extend(worker.id, 1)).rejects.toThrow(/cannot be extended further/);
      // Its files are browsed (and results downloaded) over the same pinned connection.
      const listing = await h.workers.handlers['files:list']({ workerId: worker.id, path: shared.path });
      expect(listing.entries.map((e) => e.name)).toEqual(expect.arrayContaining(['bin', 'shutdown.log', 'etc']));
    } finally {
      h.close();
    }
  });

  it('refuses a host whose key is not the pinned one, and leaves the deadline alone', async () => {
    const { h, worker } = await launchMapped();
    try {
      const err = await h.ec2.workers.extend(worker.id, 1).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkbenchError);
      expect((err as WorkbenchError).code).toBe('HOST_KEY_CHANGED');
      expect(await deadlineTag(worker.instanceId)).toBe(worker.deadline);
    } finally {
      h.close();
    }
  });
});
