import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import type { Cluster } from '../../../../../src/shared/cluster-model.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { COUNT_BY_APP_JOB, writeJobFolder } from '../../../../fixtures/telemetry-data.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';
import { awsEnv, TEST_CIDR } from '../workers/ec2/harness.ts';

/**
 * What a run on a cluster (its own Spark master: YARN) may read, decided before anything is
 * uploaded or any connection made. The cluster is moto's; its master is never contacted (the
 * host runs in loopback-only mode, which refuses its name before looking it up).
 */
const moto = useMoto();
let tmp: TempDir;
let workbench: Workbench;
let cluster: Cluster;
let job: string;
const savedEnv = { ...process.env };
const call = callerOf(() => workbench);

beforeAll(async () => {
  tmp = await makeTempDir('cluster-run-data');
  const dataDir = join(tmp.path, 'app');
  await mkdir(dataDir);
  Object.assign(process.env, await awsEnv(tmp.path, moto), { WORKBENCH_USER_SSH_CONFIG: join(tmp.path, 'no-user-ssh-config') });
  workbench = await createWorkbench({ dataDir, host: 'web', resourcesDir: resolve('resources') });
  cluster = await call('clusters:launch', { name: 'yarn-cluster', region: 'us-east-1', coreNodes: 2, instanceType: 'm6i.large', hours: 2, allowedCidr: TEST_CIDR });
  cluster = (await call('clusters:list')).clusters.find((c) => c.id === cluster.id) as Cluster;
  expect(cluster.masterAddress).toBeTruthy();
  job = await writeJobFolder(join(tmp.path, 'job'), COUNT_BY_APP_JOB);
}, 60_000);

afterAll(async () => {
  await workbench?.close();
  await tmp?.cleanup();
  process.env = savedEnv;
});

describe('the data of a run on a Spark cluster', () => {
  it('refuses a folder on the master, which the core nodes cannot read, before uploading anything', async () => {
    const before = await call('jobs:list');
    await expect(call('jobs:start', { source: { kind: 'folder', path: job }, dataDir: '/home/hadoop/data', worker: cluster.id, engine: 'spark' })).rejects.toThrow(
      "yarn-cluster is a Spark cluster: its map tasks run on the core nodes, which cannot read /home/hadoop/data on the master. Choose an S3 data source (s3://BUCKET/PREFIX; 'workbench sample-data --to s3://...' puts the sample set there).",
    );
    expect(await call('jobs:list')).toEqual(before);
  });

  it('goes on to reach the master with an S3 data source', async () => {
    // Past the data check, the run needs the master: here its moto name is refused unresolved.
    await expect(call('jobs:start', { source: { kind: 'folder', path: job }, dataDir: 's3://telemetry/v2', worker: cluster.id, engine: 'spark' })).rejects.toThrow(/^Refused to connect to .*amazonaws\.com: it is a host name/);
  });
});
