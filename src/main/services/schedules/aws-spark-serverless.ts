import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  GetApplicationCommand,
  GetJobRunCommand,
  ListApplicationsCommand,
  ListJobRunsCommand,
  StopApplicationCommand,
  type EMRServerlessClient,
  type JobRunState,
  type StartJobRunCommandInput,
} from '@aws-sdk/client-emr-serverless';
import { GetScheduleCommand, ListSchedulesCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { DEFAULT_EMR_RELEASE } from '../../../shared/cluster-model.ts';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { HistoryRow } from '../../../shared/schedule-calls.ts';
import { rowWithoutRecord } from './missed-runs.ts';
import { SPARK_MIN_TIMEOUT_MINUTES, type Schedule, type SparkSize } from '../../../shared/schedule.ts';
import { APP_TAG_VALUE, TAG } from '../workers/ec2/tags.ts';
import { clientToken, IAM_PATH, SCHEDULE_GROUPS } from './aws-names.ts';
import { ensureRole, type PermissionsPlan, type PolicyDocument, type RolePlan } from './iam-setup.ts';
import { PutRolePolicyCommand, type IAMClient } from '@aws-sdk/client-iam';

/**
 * Scheduled Spark packages on AWS run on EMR Serverless: one application for the app (type
 * SPARK, the EMR 7 release the clusters use, started by a job run and stopped when idle), and
 * at each due time EventBridge Scheduler calls StartJobRun itself (universal target) with the
 * job's execution role, a clientToken made of the job and Scheduler's execution id, the job's timeout
 * as executionTimeoutMinutes, and spark-submit running resources/worker/spark_driver.py, which
 * hands the run to run-job.sh as a scheduled EC2 instance does.
 */

/** The app's one EMR Serverless application, found again by this name (and the app tag). */
export const SPARK_APPLICATION = 'analysis-workbench-spark';
/** The universal target that makes Scheduler call EMR Serverless StartJobRun itself. */
export const START_JOB_RUN_TARGET = 'arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun';
/** The application stops this long after its last job run; a stopped application costs nothing. */
export const SPARK_IDLE_MINUTES = 15;
/** The scheduler role's second inline policy, put only once a Spark job is scheduled. */
export const SPARK_SCHEDULER_POLICY = 'start-spark-jobs';
const TRUST_SERVICE = 'emr-serverless.amazonaws.com';

/** Scheduler's context attribute, replaced in the target input by the id of the invocation. */
export const EXECUTION_ID = '<aws.scheduler.execution-id>';

/**
 * StartJobRun's clientToken for Scheduler's runs: the job and the invocation's execution id
 * (16 characters), at most 64 in all. The scheduled time cannot be in it: the token takes
 * letters, digits, '.', '_' and '-' only, and the time has ':'. It is in the driver's arguments
 * instead, and the driver claims its run id before it starts, so a second delivery of one
 * trigger runs nothing (spark_driver.py).
 */
export function scheduledSparkToken(job: string): string {
  return `${clientToken(job, '')}${EXECUTION_ID}`;
}

/** Where a job's Spark driver and run spec are in the code bucket (under its code prefix, so its role reads them and delete removes them). */
export function sparkDriverKey(job: string, sha256: string): string {
  return `${job}/code/spark-driver-${sha256.slice(0, 16)}.py`;
}
export function sparkSpecKey(job: string, sha256: string): string {
  return `${job}/code/spark-run-${sha256.slice(0, 16)}.json`;
}

/** What Scheduler may do for Spark jobs: start runs on the app's applications and pass them the app's roles. */
export function sparkSchedulerPolicy(): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'StartSparkRuns', Effect: 'Allow', Action: 'emr-serverless:StartJobRun', Resource: 'arn:aws:emr-serverless:*:*:/applications/*', Condition: { StringEquals: { [`aws:ResourceTag/${TAG.app}`]: APP_TAG_VALUE } } },
      // A job run is tagged as it starts (the app and the job), which takes TagResource too.
      { Sid: 'TagSparkRuns', Effect: 'Allow', Action: 'emr-serverless:TagResource', Resource: 'arn:aws:emr-serverless:*:*:/applications/*/jobruns/*', Condition: { StringEquals: { [`aws:RequestTag/${TAG.app}`]: APP_TAG_VALUE } } },
      { Sid: 'PassSparkJobRoles', Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::*:role${IAM_PATH}*`, Condition: { StringEquals: { 'iam:PassedToService': TRUST_SERVICE } } },
    ],
  };
}

/** The job's execution role: the EC2 run's instance role policy (its code, its output, log and record, alerts, its data), trusted by EMR Serverless. */
export function sparkJobRole(instanceRole: RolePlan): RolePlan {
  return { ...instanceRole, trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: TRUST_SERVICE }, Action: 'sts:AssumeRole' }] }, policyName: 'scheduled-spark-job' };
}

/**
 * Spark's sizes for spark-submit. The form's memory is the worker's: Spark adds a tenth for
 * overhead to what it is given, so it is given nine tenths, and driver or executor fits the
 * worker size EMR Serverless offers for that many vCPU.
 */
export function sparkSubmitParameters(size: SparkSize): string {
  const mib = (gib: number) => `${Math.floor(gib * 1024 * 0.9)}m`;
  return [
    ['spark.driver.cores', String(size.driverCores)],
    ['spark.driver.memory', mib(size.driverMemoryGiB)],
    ['spark.executor.cores', String(size.executorCores)],
    ['spark.executor.memory', mib(size.executorMemoryGiB)],
    ['spark.dynamicAllocation.maxExecutors', String(size.maxExecutors)],
  ]
    .map(([key, value]) => `--conf ${key}=${value}`)
    .join(' ');
}

/** A Spark schedule's timeout as StartJobRun takes it, or why it cannot be one. */
export function sparkTimeout(schedule: Schedule): number {
  if (schedule.timeoutMinutes < SPARK_MIN_TIMEOUT_MINUTES) {
    throw new WorkbenchError('BAD_INPUT', `timeoutMinutes: a Spark run on EMR Serverless needs a timeout of at least ${SPARK_MIN_TIMEOUT_MINUTES} minutes (AWS enforces it); set ${SPARK_MIN_TIMEOUT_MINUTES} or more.`);
  }
  return schedule.timeoutMinutes;
}

export interface StartJobRunSpec {
  applicationId: string;
  executionRoleArn: string;
  clientToken: string;
  job: string;
  driver: string;
  spec: string;
  /** The driver's run identity: `['--scheduled-for', SCHEDULED_TIME]` for Scheduler, `['--run-id', ID]` by hand. */
  identity: [string, string];
  timeoutMinutes: number;
  size: SparkSize;
}

/** StartJobRun's input for one run (Scheduler's Input, or a run started by hand). */
export function startJobRunInput(spec: StartJobRunSpec): StartJobRunCommandInput {
  return {
    applicationId: spec.applicationId,
    executionRoleArn: spec.executionRoleArn,
    clientToken: spec.clientToken,
    name: spec.job,
    executionTimeoutMinutes: spec.timeoutMinutes,
    jobDriver: { sparkSubmit: { entryPoint: spec.driver, entryPointArguments: ['--spec', spec.spec, ...spec.identity], sparkSubmitParameters: sparkSubmitParameters(spec.size) } },
    tags: { [TAG.app]: APP_TAG_VALUE, 'workbench:job': spec.job },
  };
}

/** The app's application, made when there is none that can run jobs (TERMINATED ones are gone for good). */
export async function ensureSparkApplication(emr: EMRServerlessClient): Promise<string> {
  const found = await findSparkApplication(emr);
  if (found) return found;
  const made = await emr.send(
    new CreateApplicationCommand({
      name: SPARK_APPLICATION,
      releaseLabel: DEFAULT_EMR_RELEASE,
      type: 'SPARK',
      // Started by the first job run, stopped after idling: nothing to size, start or forget.
      autoStartConfiguration: { enabled: true },
      autoStopConfiguration: { enabled: true, idleTimeoutMinutes: SPARK_IDLE_MINUTES },
      tags: { [TAG.app]: APP_TAG_VALUE },
      clientToken: SPARK_APPLICATION,
    }),
  );
  if (!made.applicationId) throw new WorkbenchError('INTERNAL', 'EMR Serverless answered CreateApplication without an application id.');
  return made.applicationId;
}

export async function findSparkApplication(emr: EMRServerlessClient): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await emr.send(new ListApplicationsCommand({ states: ['CREATING', 'CREATED', 'STARTING', 'STARTED', 'STOPPING', 'STOPPED'], ...(nextToken && { nextToken }) }));
    const mine = page.applications?.find((a) => a.name === SPARK_APPLICATION && a.type?.toUpperCase() === 'SPARK');
    if (mine?.id) return mine.id;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** Whether any schedule of the app (other than `except`) still starts Spark runs. */
export async function sparkSchedulesLeft(scheduler: SchedulerClient, except: string): Promise<boolean> {
  for (const group of SCHEDULE_GROUPS) {
    let nextToken: string | undefined;
    do {
      let page;
      try {
        page = await scheduler.send(new ListSchedulesCommand({ GroupName: group, ...(nextToken && { NextToken: nextToken }) }));
      } catch (err) {
        if ((err as { name?: string }).name === 'ResourceNotFoundException') break;
        throw err;
      }
      for (const s of page.Schedules ?? []) {
        if (!s.Name || s.Name === except) continue;
        const got = await scheduler.send(new GetScheduleCommand({ Name: s.Name, GroupName: group }));
        if (got.Target?.Arn === START_JOB_RUN_TARGET) return true;
      }
      nextToken = page.NextToken;
    } while (nextToken);
  }
  return false;
}

/** Stops the app's application and deletes it once stopped (EMR Serverless deletes only a stopped one). */
export async function removeSparkApplication(emr: EMRServerlessClient, options: { waitMs?: number; pollMs?: number } = {}): Promise<void> {
  const id = await findSparkApplication(emr);
  if (!id) return;
  const deadline = Date.now() + (options.waitMs ?? 120_000);
  for (;;) {
    const state = (await emr.send(new GetApplicationCommand({ applicationId: id }))).application?.state;
    if (state === 'CREATED' || state === 'STOPPED') break;
    if (state === 'STARTED') {
      await emr.send(new StopApplicationCommand({ applicationId: id }));
      continue;
    }
    if (Date.now() > deadline) {
      throw new WorkbenchError('UNAVAILABLE', `The EMR Serverless application ${SPARK_APPLICATION} (${id}) is still ${state?.toLowerCase() ?? 'busy'}; it stops by itself when idle. Delete it in the EMR Serverless console later, or delete another Spark schedule then.`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 3000));
  }
  await emr.send(new DeleteApplicationCommand({ applicationId: id }));
}

/** A Spark job's IAM, from the EC2 plan of the same job: the job execution role instead of an instance role and profile, and the scheduler's Spark policy. */
export function planSparkPermissions(plan: PermissionsPlan): PermissionsPlan {
  return { ...plan, instanceRole: sparkJobRole(plan.instanceRole), instanceProfile: '', engine: 'spark', schedulerSparkPolicy: { policyName: SPARK_SCHEDULER_POLICY, policy: sparkSchedulerPolicy() } };
}

/** Creates or updates a Spark job's roles; answers the scheduler role's and the job role's ARNs. */
export async function ensureSparkPermissions(iam: IAMClient, plan: PermissionsPlan): Promise<{ schedulerRoleArn: string; jobRoleArn: string }> {
  const schedulerRoleArn = await ensureRole(iam, plan.schedulerRole);
  const extra = plan.schedulerSparkPolicy ?? { policyName: SPARK_SCHEDULER_POLICY, policy: sparkSchedulerPolicy() };
  await iam.send(new PutRolePolicyCommand({ RoleName: plan.schedulerRole.name, PolicyName: extra.policyName, PolicyDocument: JSON.stringify(extra.policy) }));
  const jobRoleArn = await ensureRole(iam, plan.instanceRole);
  return { schedulerRoleArn, jobRoleArn };
}

/** Job run states of a run that has not ended yet. */
const GOING_STATES: JobRunState[] = ['SUBMITTED', 'PENDING', 'SCHEDULED', 'RUNNING', 'QUEUED'];
/** Job run states of a run EMR Serverless ended without success (its timeout among them). */
const ENDED_BADLY: JobRunState[] = ['FAILED', 'CANCELLING', 'CANCELLED'];
/** How far back history looks for job runs that left no record. */
const LOOK_BACK_MS = 8 * 86_400_000;

/** The run id the driver works under, from its arguments (as spark_driver.py makes it). */
function runOfArguments(args: readonly string[]): { runId: string; scheduledFor: string | null } | undefined {
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const runId = at('--run-id');
  if (runId) return { runId, scheduledFor: null };
  const scheduled = at('--scheduled-for');
  if (!scheduled) return undefined;
  return { runId: scheduled.replace(/[^A-Za-z0-9.-]/g, '-'), scheduledFor: Number.isNaN(Date.parse(scheduled)) ? null : new Date(scheduled).toISOString() };
}

/**
 * A Spark job's runs that have no record: going now (shown as soon as EMR Serverless has them),
 * or ended by EMR Serverless before the driver wrote one (its timeout, a failed start), with
 * what EMR Serverless said, so such a run is not taken for one that never happened.
 */
export async function sparkRunRows(emr: EMRServerlessClient, job: string, recorded: ReadonlySet<string>, now: Date): Promise<HistoryRow[]> {
  const applicationId = await findSparkApplication(emr);
  if (!applicationId) return [];
  const rows: HistoryRow[] = [];
  let nextToken: string | undefined;
  do {
    let page;
    try {
      page = await emr.send(new ListJobRunsCommand({ applicationId, createdAtAfter: new Date(now.getTime() - LOOK_BACK_MS), states: [...GOING_STATES, ...ENDED_BADLY], ...(nextToken && { nextToken }) }));
    } catch (err) {
      // An application deleted meanwhile has no runs to show.
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return rows;
      throw err;
    }
    for (const summary of page.jobRuns ?? []) {
      if (summary.name !== job || !summary.id) continue;
      const run = (await emr.send(new GetJobRunCommand({ applicationId, jobRunId: summary.id }))).jobRun;
      const which = runOfArguments(run?.jobDriver?.sparkSubmit?.entryPointArguments ?? []);
      if (!which || recorded.has(which.runId)) continue;
      const state = run?.state ?? summary.state ?? 'UNKNOWN';
      const going = GOING_STATES.includes(state as JobRunState);
      const details = run?.stateDetails ?? summary.stateDetails;
      rows.push(
        rowWithoutRecord({
          status: going ? 'running' : 'failed',
          runId: which.runId,
          scheduledFor: which.scheduledFor,
          startedAt: summary.createdAt ? new Date(summary.createdAt).toISOString() : null,
          message: going
            ? `${state === 'RUNNING' ? 'Running' : 'Starting'} on EMR Serverless (job run ${summary.id}, ${state.toLowerCase()}).`
            : `EMR Serverless ended job run ${summary.id} (${state.toLowerCase()}${details ? `: ${details}` : ''}) before it wrote its run record; its driver's log is with the job run in EMR Serverless.`,
        }),
      );
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return rows;
}
