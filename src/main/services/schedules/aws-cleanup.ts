import {
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetInstanceProfileCommand,
  ListRolePoliciesCommand,
  RemoveRoleFromInstanceProfileCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { instanceRoleName } from './aws-names.ts';

/**
 * What deleting an AWS schedule removes when the user asks for it: the job's own instance role
 * and instance profile, and its code (tarballs and worker kits) in the code bucket. The
 * scheduler's role and the alert topic serve every job and stay; published output always stays.
 */

function notThere(err: unknown): boolean {
  return (err as { name?: string }).name === 'NoSuchEntityException' || (err as { name?: string }).name === 'NoSuchEntity';
}

async function unlessGone(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!notThere(err)) throw err;
  }
}

/** The job's instance profile and role, with the role's inline policies; what is gone already is fine. */
export async function removeInstanceRole(iam: IAMClient, job: string): Promise<void> {
  const name = instanceRoleName(job);
  await unlessGone(async () => {
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
    for (const role of profile?.Roles ?? []) await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role.RoleName }));
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));
  });
  await unlessGone(async () => {
    const policies = (await iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
    for (const policy of policies) await iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: policy }));
    await iam.send(new DeleteRoleCommand({ RoleName: name }));
  });
}

/** Every object under `prefix` in `bucket`; returns how many were deleted. */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length === 0) return deleted;
    const answer = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    const failed = answer.Errors ?? [];
    if (failed.length > 0) throw new Error(`could not delete s3://${bucket}/${failed[0]?.Key ?? prefix}: ${failed[0]?.Message ?? failed[0]?.Code ?? 'refused'}`);
    deleted += keys.length;
  }
}
