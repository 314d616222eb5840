import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeClusterCommand, EMRClient, ListClustersCommand } from '@aws-sdk/client-emr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClustersDomain } from '../../../../../src/main/domains/clusters.ts';
import { createSettingsDomain } from '../../../../../src/main/domains/settings.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import { startMoto, type Moto } from '../../../../fixtures/moto.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, RESOURCES, TEST_CIDR } from '../workers/ec2/harness.ts';

/**
 * moto with IAM authorisation on (after the first 3 requests, which set up a user) and a user who
 * may do everything but create EventBridge Scheduler schedules: a cluster then has nothing in AWS
 * to end it at its deadline.
 */
describe('a cluster whose deadline schedule cannot be made', () => {
  let moto: Moto;
  let analyst: { accessKeyId: string; secretAccessKey: string };

  beforeAll(async () => {
    moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
    const iam = new IAMClient(moto.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'analyst',
        PolicyName: 'no-schedules',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: '*', Resource: '*' },
            { Effect: 'Deny', Action: 'scheduler:CreateSchedule', Resource: '*' },
          ],
        }),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'analyst' }));
    iam.destroy();
    analyst = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('is terminated at once, and the refusal says why', async () => {
    const dir = await useTempDir('cluster-no-schedule');
    const env = await awsEnv(dir, moto, analyst);
    const base = harness(dir, moto, env);
    const core = { dataDir: dir, resourcesDir: RESOURCES, bus: base.bus, store: new DocumentStore(dir) };
    const clusters = createClustersDomain(core, { aws: base.aws, settings: createSettingsDomain(core), ec2: base.ec2 }, { env }).clusters;
    try {
      const err = await clusters.launch({ name: 'unguarded', region: 'us-east-1', coreNodes: 1, instanceType: 'm6i.large', hours: 2, allowedCidr: TEST_CIDR }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      // moto answers this JSON service's denial in XML, so the SDK's reading of it varies; what counts is the rest.
      expect((err as Error).message).toMatch(/^AWS .* to create the schedule that ends unguarded at its deadline .* The cluster j-[A-Z0-9]+ was terminated, since nothing in AWS would have ended it\.$/s);
      const emr = new EMRClient({ ...moto.clientConfig(), credentials: analyst });
      const [made] = (await emr.send(new ListClustersCommand({}))).Clusters ?? [];
      expect((await emr.send(new DescribeClusterCommand({ ClusterId: made?.Id }))).Cluster?.Status?.State).toMatch(/^TERMINAT(ING|ED)$/);
      emr.destroy();
      expect((await clusters.records()).map((r) => r.state)).toEqual([expect.stringMatching(/^TERMINAT/)]);
    } finally {
      base.close();
    }
  });
});
