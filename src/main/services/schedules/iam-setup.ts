import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { parseS3Url } from '../../../shared/data-source.ts';
import { ALERT_TOPIC, IAM_PATH, instanceRoleName, METRIC_NAMESPACE, SCHEDULER_ROLE } from './aws-names.ts';

/**
 * The IAM a scheduled job needs, as documents the app shows before it creates them:
 * - the scheduler's execution role (one per account): EventBridge Scheduler assumes it to call
 *   ec2:RunInstances, tag the instance, and pass the job's instance role to it;
 * - the job's instance role and instance profile: read its code, write its output, log and run
 *   record under its own prefix, alert the app's SNS topic and put the app's run metric, nothing else.
 * The scheduler also puts the run metric itself, on the days a weekly or monthly job does not run.
 */

export type PolicyDocument = { Version: '2012-10-17'; Statement: Record<string, unknown>[] };

export interface RolePlan {
  name: string;
  path: string;
  /** Who may assume the role. */
  trustPolicy: PolicyDocument;
  /** The role's one inline policy, by name. */
  policyName: string;
  policy: PolicyDocument;
}

export interface PermissionsPlan {
  schedulerRole: RolePlan;
  /** The role a run has: an EC2 run's instance role, or a Spark run's job execution role on EMR Serverless. */
  instanceRole: RolePlan;
  /** Same name as the instance role; empty for a Spark job, which has no instance. */
  instanceProfile: string;
  /** What runs the job: a fresh EC2 instance (local processes) or EMR Serverless (spark). */
  engine?: 'local' | 'spark';
  /** For a Spark job, the scheduler role's second inline policy: start runs on EMR Serverless. */
  schedulerSparkPolicy?: { policyName: string; policy: PolicyDocument };
}

export interface PermissionsMade {
  schedulerRoleArn: string;
  instanceRoleArn: string;
  instanceProfileArn: string;
}

function trust(service: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] };
}

/** cloudwatch:PutMetricData takes no resource: the condition keeps it to the app's namespace. */
function metricStatement(sid: string): Record<string, unknown> {
  return { Sid: sid, Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } } };
}

/**
 * Read-only access to data sources: GetObject under each prefix, ListBucket of each bucket only
 * for keys under that prefix (the whole bucket when the prefix is empty). Nothing else: no
 * writes, no other buckets.
 */
export function readDataStatements(sid: string, sources: readonly { bucket: string; prefix: string }[]): Record<string, unknown>[] {
  if (sources.length === 0) return [];
  return [
    { Sid: `${sid}Objects`, Effect: 'Allow', Action: 's3:GetObject', Resource: sources.map((s) => `arn:aws:s3:::${s.bucket}/${s.prefix}*`) },
    ...sources.map((s, i) => ({
      Sid: `${sid}List${sources.length > 1 ? i + 1 : ''}`,
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${s.bucket}`,
      ...(s.prefix && { Condition: { StringLike: { 's3:prefix': `${s.prefix}*` } } }),
    })),
  ];
}

/** What a job will be given: pure, so the UI can show it before anything is created. `dataSource`: the s3:// data it reads, if any. */
export function planPermissions(job: string, buckets: { code: string; data: string; records?: string | undefined }, dataSource?: string): PermissionsPlan {
  const reads = dataSource && parseS3Url(dataSource);
  const records = buckets.records ?? buckets.data;
  const instanceRole = instanceRoleName(job);
  return {
    schedulerRole: {
      name: SCHEDULER_ROLE,
      path: IAM_PATH,
      trustPolicy: trust('scheduler.amazonaws.com'),
      policyName: 'run-scheduled-jobs',
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'LaunchRuns', Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*' },
          { Sid: 'TagAtLaunch', Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEquals: { 'ec2:CreateAction': 'RunInstances' } } },
          // Only the app's own instance roles (under its IAM path), only to EC2.
          { Sid: 'PassJobRoles', Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::*:role${IAM_PATH}*`, Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } },
          metricStatement('Heartbeat'),
        ],
      },
    },
    instanceRole: {
      name: instanceRole,
      path: IAM_PATH,
      trustPolicy: trust('ec2.amazonaws.com'),
      policyName: 'scheduled-job',
      policy: {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ReadCode', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${buckets.code}/${job}/code/*` },
          // Each run's output under JOB/runs/RUNID/data/, then copied over JOB/data/, whose other files go.
          { Sid: 'Publish', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: [`arn:aws:s3:::${buckets.data}/${job}/runs/*`, `arn:aws:s3:::${buckets.data}/${job}/data/*`] },
          { Sid: 'ReplaceLatest', Effect: 'Allow', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${buckets.data}/${job}/data/*` },
          { Sid: 'ListLatest', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${buckets.data}`, Condition: { StringLike: { 's3:prefix': `${job}/data/*` } } },
          // The log and the run record: in the private bucket for a public job.
          { Sid: 'Record', Effect: 'Allow', Action: 's3:PutObject', Resource: [`arn:aws:s3:::${records}/${job}/logs/*`, `arn:aws:s3:::${records}/${job}/runs/*`] },
          // Alerts from AWS itself: the app's topic (in whichever region), the app's metric namespace only.
          { Sid: 'Alert', Effect: 'Allow', Action: 'sns:Publish', Resource: `arn:aws:sns:*:*:${ALERT_TOPIC}` },
          metricStatement('RunMetric'),
          // The job's data source in S3: read only, that prefix only.
          ...readDataStatements('ReadData', reads ? [reads] : []),
        ],
      },
    },
    instanceProfile: instanceRole,
  };
}

function named(err: unknown, name: string): boolean {
  return (err as { name?: string }).name === name;
}

/** Creates the role, or brings an existing one's trust and inline policy up to the plan. */
export async function ensureRole(iam: IAMClient, plan: RolePlan): Promise<string> {
  let arn: string | undefined;
  try {
    const made = await iam.send(new CreateRoleCommand({ RoleName: plan.name, Path: plan.path, AssumeRolePolicyDocument: JSON.stringify(plan.trustPolicy), Description: 'Made by Analysis Workbench for scheduled jobs' }));
    arn = made.Role?.Arn;
  } catch (err) {
    if (!named(err, 'EntityAlreadyExistsException')) throw err;
    arn = (await iam.send(new GetRoleCommand({ RoleName: plan.name }))).Role?.Arn;
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: plan.name, PolicyDocument: JSON.stringify(plan.trustPolicy) }));
  }
  await iam.send(new PutRolePolicyCommand({ RoleName: plan.name, PolicyName: plan.policyName, PolicyDocument: JSON.stringify(plan.policy) }));
  if (!arn) throw new Error(`IAM answered without the ARN of role ${plan.name}`);
  return arn;
}

export async function ensureInstanceProfile(iam: IAMClient, name: string, path: string, role: string): Promise<string> {
  try {
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: path }));
  } catch (err) {
    if (!named(err, 'EntityAlreadyExistsException')) throw err;
  }
  const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  if (!profile?.Roles?.some((r) => r.RoleName === role)) {
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: role }));
  }
  if (!profile?.Arn) throw new Error(`IAM answered without the ARN of instance profile ${name}`);
  return profile.Arn;
}

/** Creates what the plan describes, or reuses (and updates) what is already there. */
export async function ensurePermissions(iam: IAMClient, plan: PermissionsPlan): Promise<PermissionsMade> {
  const schedulerRoleArn = await ensureRole(iam, plan.schedulerRole);
  const instanceRoleArn = await ensureRole(iam, plan.instanceRole);
  const instanceProfileArn = await ensureInstanceProfile(iam, plan.instanceProfile, plan.instanceRole.path, plan.instanceRole.name);
  return { schedulerRoleArn, instanceRoleArn, instanceProfileArn };
}
