import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EMRClient, ListClustersCommand, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClustersDomain } from '../../../../../src/main/domains/clusters.ts';
import { createSettingsDomain } from '../../../../../src/main/domains/settings.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import type { ClusterList } from '../../../../../src/shared/cluster-model.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { eventually } from '../../../../fixtures/eventually.ts';
import { awsEnv, harness, RESOURCES, TEST_CIDR } from '../workers/ec2/harness.ts';

/** The clusters domain of one app "process", built on the EC2 harness as workbench.ts builds it. */
function clustersOf(dataDir: string, moto: Parameters<typeof harness>[1], env: NodeJS.ProcessEnv) {
  const base = harness(dataDir, moto, env);
  const changes: ClusterList[] = [];
  const stop = base.bus.on('clusters:changed', (list) => changes.push(list));
  const core = { dataDir, resourcesDir: RESOURCES, bus: base.bus, store: new DocumentStore(dataDir) };
  const domain = createClustersDomain(core, { aws: base.aws, settings: createSettingsDomain(core), ec2: base.ec2 }, { env });
  return { domain, changes, close: () => (stop(), base.close()) };
}

describe('Spark cluster lifecycle (EMR, against moto)', () => {
  const moto = useMoto();
  beforeEach(() => moto.reset());

  it('a launch interrupted after RunJobFlow is completed by its retry: the cluster is found by its id tag, never made twice', async () => {
    const dataDir = await useTempDir('cluster-retry');
    const env = await awsEnv(dataDir, moto);
    const first = clustersOf(dataDir, moto, env);
    const request = { name: 'interrupted', region: 'us-east-1', coreNodes: 1, instanceType: 'm6i.large', hours: 2, allowedCidr: TEST_CIDR };
    const launched = await first.domain.clusters.launch(request);
    first.close();
    // As if the app stopped between RunJobFlow and saving its answer.
    const file = join(dataDir, 'clusters.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { data: Record<string, unknown>[] };
    delete doc.data[0]!['clusterId'];
    doc.data[0]!['state'] = 'launching';
    await writeFile(file, JSON.stringify(doc));

    const next = clustersOf(dataDir, moto, env);
    try {
      const again = await next.domain.clusters.launch(request);
      expect(again).toEqual(expect.objectContaining({ id: launched.id, clusterId: launched.clusterId, deadline: launched.deadline }));
      const emr = new EMRClient(moto.clientConfig());
      expect((await emr.send(new ListClustersCommand({}))).Clusters?.map((c) => c.Id)).toEqual([launched.clusterId]);
      emr.destroy();
      // The same name with another size is not a retry: refused, naming the difference.
      await expect(next.domain.clusters.launch({ ...request, coreNodes: 4 })).rejects.toThrow(/already a cluster named "interrupted" .* differs in core nodes \(4, not 1\)/);
    } finally {
      next.close();
    }
  });

  it('on start, a tagged cluster the app does not know is adopted and every list hears of it', async () => {
    const dataDir = await useTempDir('cluster-adopt-start');
    const env = await awsEnv(dataDir, moto);
    const sts = new STSClient(moto.clientConfig());
    const me = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
    sts.destroy();
    const emr = new EMRClient(moto.clientConfig());
    const made = await emr.send(
      new RunJobFlowCommand({
        Name: 'stranger',
        ReleaseLabel: 'emr-7.5.0',
        Instances: { InstanceGroups: [{ InstanceRole: 'MASTER', InstanceType: 'm6i.2xlarge', InstanceCount: 1 }], KeepJobFlowAliveWhenNoSteps: true },
        ServiceRole: 'EMR_DefaultRole',
        JobFlowRole: 'EMR_EC2_DefaultRole',
        Tags: [
          { Key: 'app', Value: 'analysis-workbench' },
          { Key: 'owner', Value: me },
          { Key: 'Name', Value: 'stranger' },
        ],
      }),
    );
    emr.destroy();
    const app = clustersOf(dataDir, moto, env);
    try {
      await app.domain.start?.();
      await eventually(() => app.changes.at(-1)?.clusters).toEqual([expect.objectContaining({ clusterId: made.JobFlowId, name: 'stranger', adopted: true, coreNodes: 0, instanceType: 'm6i.2xlarge' })]);
      // No deadline tag: shown with the longest life a cluster may have, 24 h after its creation.
      const [adopted] = app.changes.at(-1)?.clusters ?? [];
      expect(Date.parse(adopted!.deadline) - Date.parse(adopted!.launchedAt)).toBe(24 * 3_600_000);
    } finally {
      app.close();
    }
  });
});
