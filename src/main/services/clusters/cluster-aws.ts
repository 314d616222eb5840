import { createHash } from 'node:crypto';
import { DescribeClusterCommand, ListClustersCommand, ListInstanceGroupsCommand, type Cluster as EmrCluster, type EMRClient } from '@aws-sdk/client-emr';
import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { IAMClient } from '@aws-sdk/client-iam';
import { MAX_LIFETIME_HOURS } from '../../../shared/ec2-model.ts';
import { ensureGroup, putSchedule } from '../schedules/aws-backend.ts';
import { IAM_PATH } from '../schedules/aws-names.ts';
import { ensureRole, type RolePlan } from '../schedules/iam-setup.ts';
import { APP_TAG_VALUE, TAG } from '../workers/ec2/tags.ts';

/** Tags every cluster carries: the EC2 workers' (app, owner, Name, deadline, launched-at) and the app's id. */
export const CLUSTER_TAG = { ...TAG, clusterId: 'workbench:cluster-id' } as const;

/** EventBridge Scheduler's universal target that calls EMR TerminateJobFlows itself. */
export const TERMINATE_TARGET = 'arn:aws:scheduler:::aws-sdk:emr:terminateJobFlows';
/** The schedule group of every cluster's deadline (one schedule per cluster, named by its id). */
export const DEADLINE_GROUP = 'analysis-workbench-clusters';
/** The role Scheduler assumes to end a cluster at its deadline. */
export const DEADLINE_ROLE = 'analysis-workbench-cluster-deadline';
/** EMR's default roles (made once per account by `aws emr create-default-roles`). */
export const EMR_SERVICE_ROLE = 'EMR_DefaultRole';
export const EMR_INSTANCE_PROFILE = 'EMR_EC2_DefaultRole';
/** EMR ends a cluster that ran nothing for this long: a second net under the deadline. */
export const IDLE_TIMEOUT_SECONDS = 3600;

/** States in which a cluster still runs (and costs). */
export const LIVE_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] as const;

export function tagOf(cluster: Pick<EmrCluster, 'Tags'>, key: string): string | undefined {
  return cluster.Tags?.find((t) => t.Key === key)?.Value;
}

/** The deadline schedule's role: it may terminate the app's tagged clusters and nothing else. */
export function deadlineRolePlan(): RolePlan {
  return {
    name: DEADLINE_ROLE,
    path: IAM_PATH,
    trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    policyName: 'terminate-clusters-at-deadline',
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TerminateAppClusters',
          Effect: 'Allow',
          Action: 'elasticmapreduce:TerminateJobFlows',
          Resource: 'arn:aws:elasticmapreduce:*:*:cluster/*',
          Condition: { StringEquals: { [`elasticmapreduce:ResourceTag/${TAG.app}`]: APP_TAG_VALUE } },
        },
      ],
    },
  };
}

export async function ensureDeadlineRole(iam: IAMClient): Promise<string> {
  return ensureRole(iam, deadlineRolePlan());
}

export function deadlineScheduleName(id: string): string {
  return `deadline-${id}`;
}

/** Scheduler's one-time expression for `when`, in UTC to the second: at(yyyy-mm-ddThh:mm:ss). */
export function atExpression(when: Date): string {
  return `at(${when.toISOString().slice(0, 19)})`;
}

/**
 * Creates (or, for a retry or an extension, replaces) the one-time schedule that terminates
 * exactly this cluster at `deadline`; Scheduler deletes it once it has run.
 */
export async function putDeadlineSchedule(scheduler: SchedulerClient, schedule: { id: string; name: string; clusterId: string; deadline: Date; roleArn: string }): Promise<void> {
  await ensureGroup(scheduler, DEADLINE_GROUP);
  await putSchedule(scheduler, {
    Name: deadlineScheduleName(schedule.id),
    GroupName: DEADLINE_GROUP,
    Description: `Terminates the Spark cluster ${schedule.name} (${schedule.clusterId}) at its deadline`,
    ScheduleExpression: atExpression(schedule.deadline),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Target: {
      Arn: TERMINATE_TARGET,
      RoleArn: schedule.roleArn,
      Input: JSON.stringify({ JobFlowIds: [schedule.clusterId] }),
      // Retried for up to an hour past the deadline if EMR does not answer.
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 },
    },
  });
}

/** The deadline schedule as AWS has it, or undefined when there is none. */
export async function getDeadlineSchedule(scheduler: SchedulerClient, id: string): Promise<{ expression: string; roleArn: string; input: string } | undefined> {
  try {
    const found = await scheduler.send(new GetScheduleCommand({ Name: deadlineScheduleName(id), GroupName: DEADLINE_GROUP }));
    return { expression: found.ScheduleExpression ?? '', roleArn: found.Target?.RoleArn ?? '', input: found.Target?.Input ?? '' };
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/**
 * The app's clusters of this owner in the client's region: every cluster created in the last
 * lifetime and a day (none lives longer), described for its tags, keeping those tagged
 * app=analysis-workbench and owner.
 */
export async function describeAppClusters(emr: EMRClient, owner: string, now: Date): Promise<AppCluster[]> {
  const since = new Date(now.getTime() - (MAX_LIFETIME_HOURS + 24) * 3_600_000);
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await emr.send(new ListClustersCommand({ CreatedAfter: since, ...(marker ? { Marker: marker } : {}) }));
    for (const summary of page.Clusters ?? []) if (summary.Id) ids.push(summary.Id);
    marker = page.Marker;
  } while (marker);
  const found: AppCluster[] = [];
  for (const id of ids) {
    const cluster = (await emr.send(new DescribeClusterCommand({ ClusterId: id }))).Cluster;
    if (cluster && tagOf(cluster, TAG.app) === APP_TAG_VALUE && tagOf(cluster, TAG.owner) === owner) found.push({ ...cluster, size: await clusterSize(emr, id) });
  }
  return found;
}

/** A cluster as DescribeCluster gives it, with its size (which DescribeCluster does not say). */
export type AppCluster = EmrCluster & { size: { instanceType: string; coreNodes: number } };

async function clusterSize(emr: EMRClient, id: string): Promise<AppCluster['size']> {
  const groups = (await emr.send(new ListInstanceGroupsCommand({ ClusterId: id }))).InstanceGroups ?? [];
  const master = groups.find((g) => g.InstanceGroupType === 'MASTER');
  const core = groups.find((g) => g.InstanceGroupType === 'CORE');
  return { instanceType: master?.InstanceType ?? core?.InstanceType ?? 'unknown', coreNodes: core?.RequestedInstanceCount ?? 0 };
}

/** The app's id for a cluster found in AWS without one: derived from EMR's id, the same every time. */
export function adoptedId(jobFlowId: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `emr-${[...createHash('sha256').update(jobFlowId).digest().subarray(0, 8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}
