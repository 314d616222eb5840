import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeKeyPairsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJobCommand } from '../../../../../src/main/cli-run.ts';
import { inProcessClient } from '../../../../../src/main/in-process-client.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import type { Cluster } from '../../../../../src/shared/cluster-model.ts';
import type { RunRequest } from '../../../../../src/shared/model.ts';
import type { ClusterUi } from '../../../../../src/shared/tunnel-model.ts';
import { groupMembers, signal } from '../../../../fixtures/process-group.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { startSshd, type Sshd } from '../../../../fixtures/sshd.ts';
import { COUNT_BY_APP_JOB, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';
import { awsEnv, TEST_CIDR } from '../workers/ec2/harness.ts';

/**
 * A Spark cluster's master node as a worker: a cluster launched in moto, its master's public
 * DNS name mapped by the app's ssh_config to a loopback sshd that plays the master. That sshd
 * lets in the cluster's key pair (as EMR does for hadoop), and its sessions have Spark as EMR
 * installs it: a SPARK_HOME (bin, jars, python/pyspark, python/lib/py4j-*.zip) that python3
 * does not have on its path; it is the repository's .venv pyspark, laid out that way. Its
 * python3 has boto3 and its sessions moto's keys, as a master has boto3 and its instance profile.
 * The moto-given name is never contacted: only 127.0.0.1, through the mapping.
 */

const moto = useMoto();
let tmp: TempDir;
let workbench: Workbench;
let master: Sshd;
let home: string;
let sparkHome: string;
let cluster: Cluster;
const savedEnv = { ...process.env };
const call = callerOf(() => workbench);

/** EMR's layout of /usr/lib/spark, made of the .venv's pip-installed pyspark. */
async function emrSparkHome(dir: string): Promise<string> {
  const [version] = (await import('node:fs')).readdirSync(resolve('.venv/lib'));
  const pyspark = resolve('.venv/lib', version ?? '', 'site-packages', 'pyspark');
  await mkdir(join(dir, 'python'), { recursive: true });
  await symlink(join(pyspark, 'bin'), join(dir, 'bin'));
  await symlink(join(pyspark, 'jars'), join(dir, 'jars'));
  await symlink(pyspark, join(dir, 'python', 'pyspark'));
  // pyspark.zip and py4j-*-src.zip, as in EMR's python/lib.
  await symlink(join(pyspark, 'python', 'lib'), join(dir, 'python', 'lib'));
  return dir;
}

/** A Python user base with boto3 and what it needs (no pyspark), linked from the .venv. */
async function boto3UserBase(dir: string): Promise<string> {
  const [version] = (await import('node:fs')).readdirSync(resolve('.venv/lib'));
  const from = resolve('.venv/lib', version ?? '', 'site-packages');
  const to = join(dir, 'lib', version ?? '', 'site-packages');
  await mkdir(to, { recursive: true });
  for (const name of ['boto3', 'botocore', 's3transfer', 'jmespath', 'dateutil', 'urllib3', 'six.py']) await symlink(join(from, name), join(to, name));
  return dir;
}

/** The public key of the cluster's EC2 key pair, which EMR puts in hadoop's authorized_keys. */
async function clusterPublicKey(keyName: string): Promise<string> {
  const ec2 = new EC2Client(moto.clientConfig());
  try {
    const answer = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: [keyName], IncludePublicKey: true }));
    const key = answer.KeyPairs?.[0]?.PublicKey;
    if (!key) throw new Error(`moto has no public key for ${keyName}`);
    return key.trim();
  } finally {
    ec2.destroy();
  }
}

/** YARN and the Spark history server as the master serves them, here on 127.0.0.1. */
const uis: Server[] = [];
const uiPorts: Partial<Record<ClusterUi, number>> = {};

beforeAll(async () => {
  for (const ui of ['yarn', 'spark-history'] as const) {
    const server = createServer((req, res) => res.end(`${ui} page ${req.url}`));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
    uiPorts[ui] = (server.address() as AddressInfo).port;
    uis.push(server);
  }
  tmp = await makeTempDir('cluster-master');
  const dataDir = join(tmp.path, 'app');
  await mkdir(dataDir);
  Object.assign(process.env, await awsEnv(tmp.path, moto), { WORKBENCH_USER_SSH_CONFIG: join(tmp.path, 'no-user-ssh-config') });
  delete process.env['SSH_AUTH_SOCK'];
  workbench = await createWorkbench({
    dataDir,
    host: 'web',
    resourcesDir: resolve('resources'),
    // The stand-in master has no YARN and no hadoop user: a local Spark there, and the tester's login.
    clusterOverrides: { sparkMaster: 'local[2]', sshUser: userInfo().username },
    // The master reaches its UIs by its own name; the stand-in master reaches them on loopback.
    tunnelOverrides: { clusterUi: { host: '127.0.0.1', ports: uiPorts } },
  });
  await call('settings:set', { autoDownloadResults: false });
  const launched = await call('clusters:launch', { name: 'analysis', region: 'us-east-1', coreNodes: 1, instanceType: 'm6i.large', hours: 2, allowedCidr: TEST_CIDR });
  cluster = (await call('clusters:list')).clusters.find((c) => c.id === launched.id) as Cluster;
  expect(cluster.masterAddress).toMatch(/\.amazonaws\.com$|\.internal$/);
  home = await mkdtemp(join(tmpdir(), 'emr-master-home-'));
  sparkHome = await emrSparkHome(join(home, 'spark'));
  const userBase = await boto3UserBase(join(home, 'python-user-base'));
  const aws = `AWS_ENDPOINT_URL=${moto.endpoint} AWS_ACCESS_KEY_ID=${moto.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${moto.credentials.secretAccessKey} AWS_DEFAULT_REGION=us-east-1`;
  master = await startSshd({
    authorizedKeys: [await clusterPublicKey(`analysis-workbench-${cluster.id}`)],
    extraConfig: [`SetEnv HOME=${home} SPARK_HOME=${sparkHome} PYTHONUSERBASE=${userBase} ${aws}`],
  });
  await writeFile(join(dataDir, 'ssh_config'), `Host ${cluster.masterAddress}\n  HostName 127.0.0.1\n  Port ${master.port}\n`);
}, 120_000);

afterAll(async () => {
  await workbench?.close();
  for (const server of uis) server.close();
  await master?.stop();
  if (home) await rm(home, { recursive: true, force: true });
  await tmp?.cleanup();
  process.env = savedEnv;
});

describe("a Spark cluster's master node as a worker", () => {
  it('is listed as a worker under the cluster id, with its EMR id, deadline and cost', async () => {
    const listed = (await call('workers:list')).find((w) => w.id === cluster.id);
    expect(listed).toEqual({
      id: cluster.id,
      kind: 'cluster',
      name: 'analysis',
      host: cluster.masterAddress,
      user: userInfo().username,
      state: 'disconnected',
      cluster: {
        region: 'us-east-1',
        clusterId: cluster.clusterId,
        clusterState: cluster.state,
        instanceType: 'm6i.large',
        coreNodes: 1,
        launchedAt: cluster.launchedAt,
        deadline: cluster.deadline,
        secondsLeft: expect.any(Number),
        hourlyUsd: cluster.hourlyUsd,
        costUsd: expect.any(Number),
        reachable: true,
      },
    });
    expect(listed?.cluster?.secondsLeft).toBeGreaterThan(7000);
    await expect(call('workers:remove', { workerId: cluster.id })).rejects.toThrow(/terminated with its cluster: use Terminate in the Spark clusters list/);
  });

  it('asks to confirm the host key on the first connection, and not on the next', async () => {
    await expect(call('workers:connect', { workerId: cluster.id })).rejects.toThrow(/is not known yet\. Its ssh-ed25519 key has the fingerprint SHA256:/);
    const pending = await call('workers:pending-host-key', { workerId: cluster.id });
    expect(pending).toMatchObject({ workerId: cluster.id, host: '127.0.0.1', port: master.port, fingerprint: master.hostKeyFingerprint });
    expect(pending?.changedFrom).toBeUndefined();
    expect((await call('workers:trust-host-key', { workerId: cluster.id, fingerprint: master.hostKeyFingerprint })).state).toBe('connected');
    expect(await readFile(join(tmp.path, 'app', 'known_hosts'), 'utf8')).toContain(master.hostPublicKey);

    expect((await call('workers:disconnect', { workerId: cluster.id })).state).toBe('disconnected');
    expect((await call('workers:connect', { workerId: cluster.id })).state).toBe('connected');
    expect(await call('workers:pending-host-key', { workerId: cluster.id })).toBeNull();
  });

  it('has files and a shell like any worker', async () => {
    await call('files:mkdir', { workerId: cluster.id, path: join(home, 'made-here') });
    const listing = await call('files:list', { workerId: cluster.id, path: home });
    expect(listing.entries.map((e) => e.name)).toEqual(expect.arrayContaining(['made-here', 'spark']));
    const { terminalId } = await call('terminal:open', { workerId: cluster.id, cols: 80, rows: 24 });
    let seen = '';
    const stop = workbench.bus.on('terminal:data', (data) => void (data.terminalId === terminalId && (seen += data.data)));
    try {
      await call('terminal:input', { terminalId, data: 'echo "spark home: $SPARK_HOME"\n' });
      await expect.poll(() => seen, { timeout: 15_000 }).toContain(`spark home: ${sparkHome}`);
    } finally {
      stop();
      await call('terminal:close', { terminalId });
    }
  });

  it('runs Spark only, found through SPARK_HOME, and a job there gives the output of a local run', async () => {
    expect(await call('jobs:engines', { worker: cluster.id })).toEqual({
      local: { available: false, reason: expect.stringMatching(/^analysis is a Spark cluster: jobs there run on Spark/) },
      spark: { available: true },
    });
    const data = join(home, 'data');
    await writeTelemetryData(data, sessionSubmissions(60, (i) => (i % 3 ? 'Firefox' : 'Fennec')));
    await writeJobFolder(join(tmp.path, 'job'), COUNT_BY_APP_JOB);
    const request: RunRequest = { source: { kind: 'folder', path: join(tmp.path, 'job') }, dataDir: data, mappers: 2 };

    const outputs: string[] = [];
    for (const worker of ['local', cluster.id]) {
      const started = await call('jobs:start', { ...request, worker });
      expect(started.request.engine).toBe(worker === 'local' ? 'local' : 'spark');
      await expect.poll(async () => (await call('jobs:get', { runId: started.id })).status, { timeout: 180_000, interval: 500 }).not.toBe('running');
      const run = await call('jobs:get', { runId: started.id });
      const log = (await call('jobs:log', { runId: run.id, offset: 0 })).text;
      expect(run.status, `${run.message}\n${log}`).toBe('succeeded');
      if (worker !== 'local') {
        // The cluster's Spark master, as the source gives it (YARN on EMR).
        expect(log).toMatch(/Spark master local\[2\]/);
        expect(run.workerDeadline).toBe(cluster.deadline);
      }
      const here = await call('jobs:download', { runId: run.id });
      outputs.push(await readFile(join(here.resultDir ?? '', here.outputs[0]?.name ?? ''), 'utf8'));
    }
    expect(outputs[0]).toBe('Fennec\t20\nFirefox\t40\n');
    expect(outputs[1]).toBe(outputs[0]);
  }, 300_000);

  it('runs `workbench run JOBDIR --worker CLUSTER --data s3://...` on Spark there, with the output of a local run of the same files', async () => {
    const s3 = new S3Client(moto.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'telemetry' }));
    s3.destroy();
    const sample = await call('jobs:generate-sample-data', { sizeMb: 1 });
    await call('data-sources:upload-sample', { to: 's3://telemetry/v2' });
    const client = inProcessClient(workbench);
    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runJobCommand(client, ['example:os-distribution', '--mappers', '2', ...args], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      return { code, stdout, stderr };
    };
    // By the cluster's name; its EMR id names it too.
    const onCluster = await cli('--worker', 'analysis', '--data', 's3://telemetry/v2', '--output', join(tmp.path, 'from-cluster'));
    expect(onCluster.code, onCluster.stderr + onCluster.stdout).toBe(0);
    expect(onCluster.stderr).toMatch(/^Run \S+ of os-distribution started on analysis, on Spark\.$/m);
    expect(onCluster.stdout).toMatch(/Spark master local\[2\]/);
    const here = await cli('--local', '--data', sample.path, '--output', join(tmp.path, 'from-disk'));
    expect(here.code, here.stderr).toBe(0);
    const names = (await readdir(join(tmp.path, 'from-disk'))).sort();
    expect(names.length).toBeGreaterThan(0);
    expect((await readdir(join(tmp.path, 'from-cluster'))).sort()).toEqual(names);
    for (const name of names) expect(await readFile(join(tmp.path, 'from-cluster', name), 'utf8')).toBe(await readFile(join(tmp.path, 'from-disk', name), 'utf8'));

    const refused = cli('--worker', cluster.clusterId ?? '', '--engine', 'local', '--data', 's3://telemetry/v2');
    await expect(refused).rejects.toThrow(/^analysis is a Spark cluster: jobs there run on Spark\. Drop --engine local, or choose another worker\.$/);
  }, 300_000);

  it("opens YARN and the Spark history server here, through tunnels over the master's connection", async () => {
    const yarn = await call('tunnels:cluster-ui', { clusterId: cluster.id, ui: 'yarn' });
    expect(yarn).toMatchObject({ workerId: cluster.id, remoteHost: '127.0.0.1', remotePort: uiPorts.yarn, label: 'YARN of analysis', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/) });
    expect(await (await fetch(`${yarn.url}cluster/apps`)).text()).toBe('yarn page /cluster/apps');
    // By EMR's id too; each UI its own tunnel, and asking again answers the open one.
    const history = await call('tunnels:cluster-ui', { clusterId: cluster.clusterId as never, ui: 'spark-history' });
    expect(await (await fetch(history.url)).text()).toBe('spark-history page /');
    expect(history.localPort).not.toBe(yarn.localPort);
    expect(await call('tunnels:cluster-ui', { clusterId: cluster.id, ui: 'yarn' })).toEqual(yarn);
    expect((await call('tunnels:list')).map((t) => t.label).sort()).toEqual(['Spark history of analysis', 'YARN of analysis']);
  });

  it('ends a run there when the cluster is terminated, and the master is no longer a worker', async () => {
    await writeJobFolder(join(tmp.path, 'sleepy'), 'import time\n\ndef map(key, dims, value, context):\n    time.sleep(120)\n');
    const run = await call('jobs:start', { source: { kind: 'folder', path: join(tmp.path, 'sleepy') }, dataDir: join(home, 'data'), worker: cluster.id });
    const pidFile = join(home, '.workbench', 'runs', run.id, 'pid');
    await expect.poll(() => readFile(pidFile, 'utf8').then(Number, () => 0), { timeout: 30_000 }).toBeGreaterThan(1);
    const pid = Number(await readFile(pidFile, 'utf8'));
    await call('clusters:terminate', { clusterId: cluster.id });
    await expect.poll(async () => (await call('jobs:get', { runId: run.id })).status, { timeout: 30_000 }).toBe('worker-gone');
    expect((await call('jobs:get', { runId: run.id })).message).toBe('The Spark cluster analysis was terminated; the run ended with it.');
    expect((await call('workers:list')).map((w) => w.id)).not.toContain(cluster.id);
    // The key accepted for its name went with it: a later master given that name is asked about afresh.
    await expect.poll(() => readFile(join(tmp.path, 'app', 'known_hosts'), 'utf8'), { timeout: 10_000 }).not.toContain(master.hostPublicKey);
    // Its UIs went with it, and cannot be opened again.
    expect(await call('tunnels:list')).toEqual([]);
    await expect(call('tunnels:cluster-ui', { clusterId: cluster.id, ui: 'yarn' })).rejects.toThrow(/^analysis is TERMINAT\w+ and has no master node to reach; its UIs open once it is WAITING or RUNNING\.$/);
    // The sshd standing in for the master does not die with the cluster: end the job it was running.
    signal(-pid, 'SIGKILL');
    await expect.poll(() => groupMembers(pid), { timeout: 10_000 }).toEqual([]);
  }, 120_000);
});
