import { describe, expect, it } from 'vitest';
import { createClustersDomain } from '../../../../../src/main/domains/clusters.ts';
import { createSettingsDomain } from '../../../../../src/main/domains/settings.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import type { Ec2Warning } from '../../../../../src/shared/ec2-model.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, RESOURCES, TEST_CIDR } from '../workers/ec2/harness.ts';

const MINUTE = 60_000;

describe('warnings before a Spark cluster\'s deadline (EMR, against moto, clock injected)', () => {
  const moto = useMoto();

  it('come at 60 and 15 minutes on the bus, name the cluster by its id, come again after an extension, and stop once it is terminated', async () => {
    const dataDir = await useTempDir('cluster-warnings');
    const env = await awsEnv(dataDir, moto);
    const base = harness(dataDir, moto, env);
    const warnings: Ec2Warning[] = [];
    const stop = base.bus.on('clusters:warning', (warning) => warnings.push(warning));
    let now = new Date();
    const core = { dataDir, resourcesDir: RESOURCES, bus: base.bus, store: new DocumentStore(dataDir) };
    const { clusters } = createClustersDomain(core, { aws: base.aws, settings: createSettingsDomain(core), ec2: base.ec2 }, { env, overrides: { now: () => now } });
    try {
      const cluster = await clusters.launch({ name: 'nearly-done', region: 'us-east-1', coreNodes: 1, instanceType: 'm6i.large', hours: 2, allowedCidr: TEST_CIDR });
      const before = (minutes: number, deadline = cluster.deadline) => new Date(Date.parse(deadline) - minutes * MINUTE);

      now = before(61);
      await clusters.list();
      expect(warnings).toEqual([]);
      now = before(59.8);
      await clusters.list();
      now = before(30);
      await clusters.checkDeadlines();
      now = before(14.6);
      await clusters.checkDeadlines();
      expect(warnings).toEqual([
        { workerId: cluster.id, name: 'nearly-done', minutesLeft: 60, deadline: cluster.deadline, message: `AWS terminates nearly-done in 60 minutes (at ${cluster.deadline.slice(11, 16)} UTC). Download your results now, or extend its lifetime.` },
        expect.objectContaining({ workerId: cluster.id, minutesLeft: 15 }),
      ]);

      const extended = await clusters.extend(cluster.id, 1);
      await clusters.checkDeadlines();
      expect(warnings).toHaveLength(2);
      now = before(50, extended.deadline);
      await clusters.checkDeadlines();
      expect(warnings.slice(2)).toEqual([expect.objectContaining({ workerId: cluster.id, minutesLeft: 50, deadline: extended.deadline })]);

      await clusters.terminate(cluster.id);
      now = before(10, extended.deadline);
      await clusters.checkDeadlines();
      expect(warnings).toHaveLength(3);
    } finally {
      stop();
      await clusters.groupsReleased();
      base.close();
    }
  });
});
