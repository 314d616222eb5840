import { z } from 'zod';
import { call } from './call-spec.ts';
import { ScheduleName, Visibility } from './schedule.ts';

/**
 * What the AWS backend of schedules will create in IAM for a job, shown in the form before it is
 * saved: the scheduler's execution role and the job's instance role, each with its trust policy
 * and its one inline policy (see src/main/services/schedules/iam-setup.ts).
 */
const PolicyDocument = z.object({ Version: z.literal('2012-10-17'), Statement: z.array(z.record(z.string(), z.unknown())) });

const RolePlan = z.object({
  name: z.string(),
  path: z.string(),
  trustPolicy: PolicyDocument,
  policyName: z.string(),
  policy: PolicyDocument,
});

export const PermissionsPlan = z.object({
  schedulerRole: RolePlan,
  /** An EC2 run's instance role, or a Spark run's job execution role on EMR Serverless. */
  instanceRole: RolePlan,
  /** Empty for a Spark job (no instance). */
  instanceProfile: z.string(),
  engine: z.enum(['local', 'spark']).optional(),
  /** A Spark job's: the scheduler role's policy to start runs on EMR Serverless. */
  schedulerSparkPolicy: z.object({ policyName: z.string(), policy: PolicyDocument }).optional(),
});
export type PermissionsPlanView = z.infer<typeof PermissionsPlan>;

/** Whether anyone can read a bucket's objects (src/main/services/schedules/bucket-exposure.ts). */
const BucketExposure = z.object({ bucket: z.string(), public: z.boolean().nullable(), findings: z.array(z.string()) });

export const BucketCheck = z.object({
  data: BucketExposure,
  records: BucketExposure.optional(),
  link: z.string().optional(),
  problem: z.string().optional(),
});
export type BucketCheckView = z.infer<typeof BucketCheck>;

const JobBuckets = z
  .object({
    name: ScheduleName,
    visibility: Visibility,
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
    /** The schedule's data source: an s3:// one is readable by the job's role. */
    dataSource: z.string().max(4096).optional(),
    /** The package's engine: a Spark package runs on EMR Serverless, with a job execution role instead of an instance role. */
    engine: z.enum(['local', 'spark']).optional(),
  })
  .strict();

export const awsScheduleCalls = {
  'schedules:aws-permissions': call(
    JobBuckets,
    PermissionsPlan,
    'The IAM roles, instance profile and policies an AWS schedule of this job gets (created or updated when it is saved).',
  ),
  'schedules:bucket-check': call(
    JobBuckets,
    BucketCheck,
    "Whether the job's buckets are as public as it needs: a public job's output bucket readable by anyone (and what a published file's address looks like), every bucket that must stay private not; `problem` is why saving it would be refused.",
  ),
} as const;
