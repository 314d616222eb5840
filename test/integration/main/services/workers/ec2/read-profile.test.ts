import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeEach, describe, expect, it } from 'vitest';
import { planPermissions } from '../../../../../../src/main/services/schedules/iam-setup.ts';
import { useMoto } from '../../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, TEST_CIDR, type Harness } from './harness.ts';

/** Every action the policy allows, with its resources and conditions, in one comparable list. */
function grants(policy: { Statement: Record<string, unknown>[] }): { action: unknown; resource: unknown; condition?: unknown }[] {
  return policy.Statement.map((s) => ({ action: s['Action'], resource: s['Resource'], ...(s['Condition'] ? { condition: s['Condition'] } : {}) }));
}

describe('data access without keys: EC2 workers that read buckets, scheduled runs that read their data source (moto IAM)', () => {
  const moto = useMoto();
  let h: Harness;
  let client: EC2Client;
  let iam: IAMClient;

  beforeEach(async () => {
    await moto.reset();
    const dataDir = await useTempDir('ec2-read-profile');
    h = harness(dataDir, moto, await awsEnv(dataDir, moto));
    client = h.client();
    iam = new IAMClient(moto.clientConfig());
    return () => {
      h.close();
      client.destroy();
      iam.destroy();
    };
  });

  async function profileOf(instanceId: string | undefined): Promise<string> {
    const answer = await client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId ?? ''] }));
    return answer.Reservations?.[0]?.Instances?.[0]?.IamInstanceProfile?.Arn ?? '';
  }

  it('launches a worker with an instance profile that may only list and read the named buckets, reused for the same buckets', async () => {
    const worker = await h.ec2.workers.launch({ name: 'reader', region: 'us-east-1', instanceType: 't3.large', lifetimeHours: 1, allowedCidr: TEST_CIDR, readBuckets: ['telemetry-b', 'telemetry-a'] });
    const arn = await profileOf(worker.instanceId);
    const name = /instance-profile\/analysis-workbench\/(analysis-workbench-read-[0-9a-f]{16})$/.exec(arn)?.[1];
    expect(name, arn).toBeDefined();
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    expect(profile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([name]);
    expect(decodeURIComponent(profile.InstanceProfile?.Roles?.[0]?.AssumeRolePolicyDocument ?? '')).toContain('ec2.amazonaws.com');
    const policy = await iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'read-data' }));
    expect(grants(JSON.parse(decodeURIComponent(policy.PolicyDocument ?? '{}')))).toEqual([
      { action: 's3:GetObject', resource: ['arn:aws:s3:::telemetry-a/*', 'arn:aws:s3:::telemetry-b/*'] },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::telemetry-a' },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::telemetry-b' },
    ]);

    const again = await h.ec2.workers.launch({ name: 'reader-2', region: 'us-east-1', instanceType: 't3.large', lifetimeHours: 1, allowedCidr: TEST_CIDR, readBuckets: ['telemetry-a', 'telemetry-b'] });
    expect(await profileOf(again.instanceId)).toBe(arn);
  });

  it('refuses buckets to read together with an instance profile of its own', async () => {
    await expect(h.ec2.workers.launch({ name: 'both', region: 'us-east-1', instanceType: 't3.large', lifetimeHours: 1, allowedCidr: TEST_CIDR, readBuckets: ['telemetry-a'], instanceProfile: 'mine' })).rejects.toThrow(
      'Give either an instance profile or buckets to read, not both',
    );
  });

  it("gives a scheduled run whose data is in S3 read-only access to that prefix only, and none without", () => {
    const buckets = { code: 'wb-code', data: 'wb-private' };
    const plain = planPermissions('os-daily', buckets).instanceRole.policy.Statement;
    expect(JSON.stringify(plain)).not.toContain('telemetry');
    const reading = planPermissions('os-daily', buckets, 's3://telemetry/v2/2014').instanceRole.policy.Statement;
    const added = reading.slice(plain.length);
    expect(reading.slice(0, plain.length)).toEqual(plain);
    expect(grants({ Statement: added })).toEqual([
      { action: 's3:GetObject', resource: ['arn:aws:s3:::telemetry/v2/2014/*'] },
      { action: 's3:ListBucket', resource: 'arn:aws:s3:::telemetry', condition: { StringLike: { 's3:prefix': 'v2/2014/*' } } },
    ]);
    // Nothing else of the job's role touches that bucket.
    expect(plain.concat(added).filter((s) => JSON.stringify(s).includes(':::telemetry'))).toEqual(added);
  });
});
