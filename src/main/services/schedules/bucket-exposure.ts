import { GetBucketAclCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, type PublicAccessBlockConfiguration, type S3Client } from '@aws-sdk/client-s3';

/** Whether anyone on the internet can read a bucket's objects, and why the check says so. */
export interface BucketExposure {
  bucket: string;
  /** true: a policy or ACL lets anyone read, and nothing blocks it; null: it could not be told. */
  public: boolean | null;
  /** What was found, in plain words, for the form. */
  findings: string[];
}

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTHENTICATED_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';

interface PolicyStatement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Condition?: unknown;
}

function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string }).name ?? (err as { Code?: string }).Code ?? '';
}

/** A principal that is everyone: "*" or {"AWS": "*"} (alone or in a list). */
function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  if (principal && typeof principal === 'object' && 'AWS' in principal) {
    const aws = (principal as { AWS: unknown }).AWS;
    return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
  }
  return false;
}

/** An action list that reads objects: s3:GetObject, or a wildcard that covers it. */
function readsObjects(action: string | string[] | undefined): boolean {
  const actions = Array.isArray(action) ? action : action ? [action] : [];
  return actions.some((a) => ['*', 's3:*', 's3:getobject', 's3:get*'].includes(a.toLowerCase()));
}

/**
 * The bucket policy's statements that let anyone read objects without a condition. A statement
 * with a condition (a source address, a VPC) is not counted as public, as AWS's own policy
 * status does not count most of them.
 */
export function publicReadStatements(policyText: string): PolicyStatement[] {
  let policy: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    policy = JSON.parse(policyText) as typeof policy;
  } catch {
    return [];
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : policy.Statement ? [policy.Statement] : [];
  return statements.filter((s) => s.Effect === 'Allow' && isEveryone(s.Principal) && readsObjects(s.Action) && s.Condition === undefined);
}

/**
 * Reads the bucket's Block Public Access settings, policy and ACL and says whether its objects
 * are readable by anyone: a public-read policy counts unless RestrictPublicBuckets is on, a
 * public ACL unless IgnorePublicAcls is on. Settings of the whole account (S3 Control) are not
 * read; they can only make a bucket less public than said here.
 */
export async function bucketExposure(s3: S3Client, bucket: string): Promise<BucketExposure> {
  const findings: string[] = [];
  let unknown = false;

  let block: PublicAccessBlockConfiguration | undefined;
  try {
    block = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration;
  } catch (err) {
    if (errorName(err) !== 'NoSuchPublicAccessBlockConfiguration') {
      findings.push(`its Block Public Access settings could not be read (${errorName(err) || (err as Error).message})`);
      unknown = true;
    }
  }
  const on = Object.entries(block ?? {}).filter(([, v]) => v === true).map(([k]) => k);
  findings.push(on.length === 4 ? 'Block Public Access is fully on' : on.length > 0 ? `Block Public Access has ${on.join(', ')} on` : 'Block Public Access is off');

  let policyPublic = false;
  try {
    const policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? '';
    policyPublic = publicReadStatements(policy).length > 0;
    if (policyPublic) findings.push(block?.RestrictPublicBuckets ? 'its policy lets anyone read objects, but RestrictPublicBuckets stops it' : 'its policy lets anyone read objects');
  } catch (err) {
    if (errorName(err) !== 'NoSuchBucketPolicy') {
      findings.push(`its policy could not be read (${errorName(err) || (err as Error).message})`);
      unknown = true;
    }
  }

  let aclPublic = false;
  try {
    const grants = (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants ?? [];
    aclPublic = grants.some((g) => (g.Grantee?.URI === ALL_USERS || g.Grantee?.URI === AUTHENTICATED_USERS) && (g.Permission === 'READ' || g.Permission === 'FULL_CONTROL'));
    if (aclPublic) findings.push(block?.IgnorePublicAcls ? 'its ACL grants everyone read, but IgnorePublicAcls stops it' : 'its ACL grants everyone read');
  } catch (err) {
    findings.push(`its ACL could not be read (${errorName(err) || (err as Error).message})`);
    unknown = true;
  }

  const isPublic = (policyPublic && !block?.RestrictPublicBuckets) || (aclPublic && !block?.IgnorePublicAcls);
  return { bucket, public: isPublic ? true : unknown ? null : false, findings };
}

/** The address a published file of `job` has in a public bucket (virtual-hosted style, as AWS prints it). */
export function publicLink(bucket: string, region: string, job: string, file = 'FILE'): string {
  return `https://${bucket}.s3.${region}.amazonaws.com/${job}/data/${file}`;
}

/**
 * What the Schedule form shows of a job's buckets, and the one thing that refuses it: a bucket
 * that must stay private (a private job's output, any job's log and records) that anyone can read.
 * A public job's bucket that is not public is only said: its output is then simply not reachable.
 */
export async function checkScheduleBuckets(s3: S3Client, region: string, job: string, visibility: 'public' | 'private', buckets: { data: string; records: string }): Promise<BucketCheck> {
  const data = await bucketExposure(s3, buckets.data);
  const records = buckets.records === buckets.data ? data : await bucketExposure(s3, buckets.records);
  const mustBePrivate = new Set(visibility === 'private' ? [data, records] : [records]);
  const leaks = [...mustBePrivate].filter((b) => b.public === true);
  const problem = leaks.length
    ? `${leaks.map((b) => b.bucket).join(' and ')} ${leaks.length > 1 ? 'are' : 'is'} readable by anyone (${leaks.flatMap((b) => b.findings).join('; ')}), so ${visibility === 'private' ? "this private job's output, log and run records" : "this public job's log and run records"} would be public. Turn on Block Public Access for it, or choose a private bucket in Settings.`
    : undefined;
  return {
    data,
    ...(records !== data && { records }),
    ...(visibility === 'public' && { link: publicLink(buckets.data, region, job) }),
    ...(problem && { problem }),
  };
}

export interface BucketCheck {
  /** The bucket the output goes to. */
  data: BucketExposure;
  /** The bucket the log and run records go to, when not the output's (a public job's private bucket). */
  records?: BucketExposure;
  /** What a published file's address looks like (public jobs). */
  link?: string;
  /** Why saving is refused: a bucket that must be private is readable by anyone. */
  problem?: string;
}
