import { createHash } from 'node:crypto';

/**
 * Names the AWS backend gives things, in one place: the scheduler groups, roles, S3 keys, tags
 * and client tokens that a schedule's pieces are found by again.
 */

/** EventBridge Scheduler group of every job's (first) schedule. */
export const SCHEDULE_GROUP = 'analysis-workbench';
/**
 * Monthly jobs on day 29 or 30 need a second cron expression (February's last day). It lives
 * under the same name in a group of its own, so no job name can collide with it.
 */
export const SECOND_SCHEDULE_GROUP = 'analysis-workbench-2';
export const SCHEDULE_GROUPS = [SCHEDULE_GROUP, SECOND_SCHEDULE_GROUP] as const;
/**
 * Groups of a job's heartbeats, each under the job's name: up to four for the days a weekly or
 * monthly job does not run (shared/schedule.ts heartbeatExpressions), and a daily one before its
 * start date and one after its end date, so that its alarm sees a value every day.
 */
export const DAY_HEARTBEAT_GROUPS = ['analysis-workbench-heartbeat-1', 'analysis-workbench-heartbeat-2', 'analysis-workbench-heartbeat-3', 'analysis-workbench-heartbeat-4'] as const;
export const BEFORE_START_HEARTBEAT_GROUP = 'analysis-workbench-heartbeat-before';
export const AFTER_END_HEARTBEAT_GROUP = 'analysis-workbench-heartbeat-after';
export const HEARTBEAT_GROUPS = [...DAY_HEARTBEAT_GROUPS, BEFORE_START_HEARTBEAT_GROUP, AFTER_END_HEARTBEAT_GROUP] as const;
/** The universal target that makes Scheduler put a CloudWatch metric itself (a heartbeat). */
export const PUT_METRIC_TARGET = 'arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData';

/** The app's one SNS topic for run alerts (in the region of its schedules); the user's e-mail subscribes to it. */
export const ALERT_TOPIC = 'analysis-workbench-alerts';
/** Every scheduled run end puts METRIC_NAME (dimension Job) in this namespace: 1 succeeded, 0 not. */
export const METRIC_NAMESPACE = 'AnalysisWorkbench';
export const METRIC_NAME = 'RunSucceeded';
export const METRIC_DIMENSION = 'Job';
const ALARM_PREFIX = 'analysis-workbench-';

/** The CloudWatch alarm on a job's metric. */
export function alarmName(job: string): string {
  return `${ALARM_PREFIX}${job}`;
}

/** The job an alarm of the app is for, or undefined for anyone else's alarm. */
export function jobOfAlarm(name: string): string | undefined {
  return name.startsWith(ALARM_PREFIX) ? name.slice(ALARM_PREFIX.length) : undefined;
}

/** Where a job's code tarballs and worker kits are in the code bucket (all of them, for delete). */
export function codePrefix(job: string): string {
  return `${job}/code/`;
}

/** IAM path of the roles and instance profiles the app makes: iam:PassRole is scoped to it. */
export const IAM_PATH = '/analysis-workbench/';
export const SCHEDULER_ROLE = 'analysis-workbench-scheduler';

/** The universal target that makes Scheduler call EC2 RunInstances itself. */
export const RUN_INSTANCES_TARGET = 'arn:aws:scheduler:::aws-sdk:ec2:runInstances';
/** Scheduler's context attribute, replaced in the target input by the time the run was due. */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/** Tags of a scheduled run's instance, beside the app tag every instance of the app carries (ec2/tags.ts). */
export const TAGS = {
  job: 'workbench:job',
  /** Read by resources/worker/scheduled_run.py from the instance metadata: which run this is. */
  runId: 'workbench-run-id',
  scheduledFor: 'workbench-scheduled-for',
} as const;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** A name of at most `max` characters made from the job name: as is, or cut with a hash. */
function fit(prefix: string, job: string, max: number): string {
  const whole = `${prefix}${job}`;
  return whole.length <= max ? whole : `${prefix}${job.slice(0, max - prefix.length - 9)}-${shortHash(job)}`;
}

/** The job's instance role and its instance profile (one name for both). */
export function instanceRoleName(job: string): string {
  return fit('wb-', job, 64);
}

/**
 * The RunInstances ClientToken (at most 64 characters): the job and the run's moment. For a
 * scheduled run the moment is Scheduler's scheduled time, so a retried trigger presents the
 * same token and EC2 launches nothing new; by hand it is the run id.
 */
export function clientToken(job: string, moment: string): string {
  // 20 characters for the moment (2026-01-31T12:00:00Z); the job part is cut to fit.
  const prefix = `${job.slice(0, 34)}-${shortHash(job)}-`;
  return `${prefix}${moment}`.slice(0, 64);
}

export function codeKey(job: string, sha256: string): string {
  return `${job}/code/${sha256}.tar.gz`;
}

export function kitKey(job: string, sha256: string): string {
  return `${job}/code/worker-${sha256.slice(0, 16)}.tar.gz`;
}

export function runsPrefix(job: string): string {
  return `${job}/runs/`;
}

/** Run id of a run started by hand: sortable by time, unique enough for two presses a second. */
export function manualRunId(now: Date, random: string): string {
  return `now-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${random}`;
}
