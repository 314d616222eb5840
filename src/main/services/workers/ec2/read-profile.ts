import { createHash } from 'node:crypto';
import { IAMClient } from '@aws-sdk/client-iam';
import { BUCKET_NAME } from '../../../../shared/data-source.ts';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { awsClientConfig } from '../../credentials/aws-clients.ts';
import type { CredentialsService } from '../../credentials/credentials-service.ts';
import { IAM_PATH } from '../../schedules/aws-names.ts';
import { ensureInstanceProfile, ensureRole, readDataStatements, type RolePlan } from '../../schedules/iam-setup.ts';

/**
 * The instance profile of an EC2 worker that reads data buckets: a role EC2 may assume whose only
 * permissions are s3:GetObject and s3:ListBucket on exactly those buckets, so the worker reads
 * them with its own short-lived credentials and the user's keys never go to it. One role per set
 * of buckets, named by them, made once and reused by every worker launched with the same set.
 */
export function planReadProfile(buckets: readonly string[]): RolePlan {
  const sorted = [...new Set(buckets)].sort();
  const bad = sorted.find((b) => !BUCKET_NAME.test(b));
  if (bad !== undefined) throw new WorkbenchError('BAD_INPUT', `"${bad}" is not an S3 bucket name (3-63 lower-case letters, digits, dots and dashes).`);
  if (sorted.length === 0) throw new WorkbenchError('BAD_INPUT', 'Name at least one bucket for the worker to read.');
  const digest = createHash('sha256').update(sorted.join('\n')).digest('hex').slice(0, 16);
  return {
    name: `analysis-workbench-read-${digest}`,
    path: IAM_PATH,
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    policyName: 'read-data',
    policy: { Version: '2012-10-17', Statement: readDataStatements('ReadData', sorted.map((bucket) => ({ bucket, prefix: '' }))) },
  };
}

/** Makes (or brings up to the plan) the read role and its instance profile; the profile's ARN. */
export async function ensureReadProfile(credentials: CredentialsService, profile: string, region: string, buckets: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const plan = planReadProfile(buckets);
  const iam = new IAMClient(awsClientConfig(region, await credentials.provider(profile), env));
  try {
    await ensureRole(iam, plan);
    return await ensureInstanceProfile(iam, plan.name, plan.path, plan.name);
  } finally {
    iam.destroy();
  }
}
