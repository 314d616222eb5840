import { isS3Location, parseS3Url, S3_URL_MESSAGE } from './data-source.ts';
import { z } from 'zod';
import { InstanceType, instanceTypeInfo } from './ec2-model.ts';
import { WorkerId } from './worker-model.ts';

/**
 * Scheduled jobs: the form's model, the run record that every backend and
 * resources/worker/run-job.sh share, and the time math (next runs, EventBridge cron) that the
 * UI preview, the local backend and the AWS backend must agree on. All times are UTC.
 */

/** A job name is a path segment in S3, a file name and a cron schedule name: no spaces or quotes. */
export const ScheduleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a short slug: lower-case letters, digits and "-" (no spaces or quotes), at most 63 characters, starting with a letter or digit');

/** A calendar date, YYYY-MM-DD (UTC). */
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((d) => isRealDate(d), 'a date that exists (check the month and day)');

export const TimeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM in UTC (24 h), such as 12:00');

/** A folder inside the job's working folder: relative, no "..", no leading "/". */
export const RelativeDir = z
  .string()
  .min(1, 'a folder name such as output')
  .max(255)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\\'), 'a folder inside the job (relative, no "..")')
  .refine((p) => /^[A-Za-z0-9._/-]+$/.test(p), 'a folder name of letters, digits, ".", "_", "-" and "/"');

export const Frequency = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('daily') }),
  /** 0 = Sunday ... 6 = Saturday (the seed's numbering). */
  z.object({ kind: z.literal('weekly'), dayOfWeek: z.number().int().min(0, 'a day of week 0 (Sunday) to 6 (Saturday)').max(6, 'a day of week 0 (Sunday) to 6 (Saturday)') }),
  /** A month without this day runs on its last day. */
  z.object({ kind: z.literal('monthly'), dayOfMonth: z.number().int().min(1, 'a day of month 1 to 31').max(31, 'a day of month 1 to 31') }),
]);
export type Frequency = z.infer<typeof Frequency>;

export const ScheduleBackendKind = z.enum(['aws', 'local']);
export type ScheduleBackendKind = z.infer<typeof ScheduleBackendKind>;

export const Visibility = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof Visibility>;

/**
 * A job's command line, run by resources/worker/run-job.sh in the unpacked folder: checked as that
 * script checks it on the worker (no control characters; at most 1024 bytes, as its C locale
 * counts), so a command it would refuse at every run is refused where it can be fixed.
 */
export const JobCommand = z
  .string()
  .min(1, 'a command such as sh run.sh')
  .refine((c) => ![...c].some((ch) => ch.charCodeAt(0) < 0x20 || (ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f)), 'a command on one line, without tabs or other control characters')
  .refine((c) => new TextEncoder().encode(c).length <= 1024, 'a command of at most 1024 bytes (letters beyond ASCII take 2 to 4)');

/** What a scheduled AWS run gets unless its schedule says otherwise: the AMI's own 8 GiB root disk. */
export const DEFAULT_SCHEDULE_INSTANCE_TYPE = 'm6i.large';
export const DEFAULT_SCHEDULE_DISK_GIB = 8;

/**
 * EMR Serverless' worker sizes: 1, 2, 4, 8 or 16 vCPU, each with a memory range (GiB). A driver
 * or executor outside them is refused by StartJobRun at every run; here it is refused on saving.
 */
export const SPARK_WORKER_MEMORY_GIB: Record<number, [number, number]> = { 1: [2, 8], 2: [4, 16], 4: [8, 30], 8: [16, 60], 16: [32, 120] };
const SPARK_CORES = Object.keys(SPARK_WORKER_MEMORY_GIB).map(Number);
const sparkCores = (what: string) =>
  z
    .number()
    .int(`whole ${what} cores`)
    .refine((n) => SPARK_CORES.includes(n), `${what} cores of 1, 2, 4, 8 or 16 (the vCPU sizes EMR Serverless offers)`);
const sparkMemory = (what: string) => z.number().int(`whole GiB of ${what} memory`).min(2, `${what} memory of at least 2 GiB`).max(120, `${what} memory of at most 120 GiB`);

/** The size of a scheduled Spark run on EMR Serverless: its driver, its executors and how many executors at most. */
export const SparkSize = z
  .object({
    driverCores: sparkCores('driver').default(2),
    driverMemoryGiB: sparkMemory('driver').default(8),
    executorCores: sparkCores('executor').default(4),
    executorMemoryGiB: sparkMemory('executor').default(16),
    maxExecutors: z.number().int('a whole number of executors').min(1, 'at least 1 executor').max(100, 'at most 100 executors').default(4),
  })
  .superRefine((s, ctx) => {
    for (const [who, cores, memory] of [['driver', s.driverCores, s.driverMemoryGiB], ['executor', s.executorCores, s.executorMemoryGiB]] as const) {
      const range = SPARK_WORKER_MEMORY_GIB[cores];
      if (range && (memory < range[0] || memory > range[1])) {
        ctx.addIssue({ code: 'custom', path: [`${who}MemoryGiB`], message: `${who} memory of ${range[0]} to ${range[1]} GiB for ${cores} ${cores === 1 ? 'core' : 'cores'} (what EMR Serverless offers with that many vCPU)` });
      }
    }
  });
export type SparkSize = z.infer<typeof SparkSize>;
/** EMR Serverless' StartJobRun refuses a shorter timeout (executionTimeoutMinutes). */
export const SPARK_MIN_TIMEOUT_MINUTES = 5;
export const DEFAULT_SPARK_SIZE: SparkSize = { driverCores: 2, driverMemoryGiB: 8, executorCores: 4, executorMemoryGiB: 16, maxExecutors: 4 };

const scheduleFields = z.object({
  name: ScheduleName,
  /** The code tarball on this computer (the packager's output or any .tar.gz). */
  tarball: z.string().min(1, 'the path of the code tarball (.tar.gz)').max(4096),
  /** The command line run in the unpacked folder; when left out, the package's own (its manifest's, else sh run.sh). */
  command: JobCommand.default('sh run.sh'),
  outputDir: RelativeDir.default('output'),
  visibility: Visibility.default('private'),
  frequency: Frequency,
  timeOfDay: TimeOfDay.default('12:00'),
  timeoutMinutes: z.number().int('whole minutes').min(1, 'a timeout of at least 1 minute').max(1440, 'a timeout of at most 1440 minutes (24 h)').default(120),
  startDate: IsoDate.optional(),
  /** The last day a run may happen on (inclusive). */
  endDate: IsoDate.optional(),
  enabled: z.boolean().default(true),
  backend: ScheduleBackendKind.default('local'),
  /** For the local backend: where it runs ('local' = this computer, or a worker's id). */
  worker: WorkerId.default('local'),
  /** For the AWS backend: the instance each run gets, and its root disk. */
  instanceType: InstanceType.default(DEFAULT_SCHEDULE_INSTANCE_TYPE),
  diskGiB: z.number().int('whole GiB').min(8, 'a disk of at least 8 GiB').max(4096, 'a disk of at most 4096 GiB').default(DEFAULT_SCHEDULE_DISK_GIB),
  /** For the AWS backend and a Spark package: each run's size on EMR Serverless. */
  spark: SparkSize.default(DEFAULT_SPARK_SIZE),
  /**
   * The data the job reads, given as DATA_DIR (run-job.sh --data-dir): a folder on the worker or
   * s3://BUCKET/PREFIX. Absent: the sample data on this computer or a worker, none on AWS. On AWS
   * an S3 source is readable by the job's role (read-only, that prefix only).
   */
  dataSource: z
    .string()
    .max(4096)
    .refine((d) => (isS3Location(d) ? parseS3Url(d) !== undefined : d.startsWith('/')), `an absolute folder path on the worker, or ${S3_URL_MESSAGE}`)
    .optional(),
  /** Optional S3 bucket to publish to (else the AWS backend's default / the local data dir). */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
});

function datesInOrder(s: { startDate?: string; endDate?: string }): boolean {
  return s.startDate === undefined || s.endDate === undefined || s.startDate <= s.endDate;
}
const DATES_IN_ORDER = { message: 'an end date on or after the start date', path: ['endDate'] };

/** What the form submits (defaults filled in on parse). */
export const Schedule = scheduleFields.refine(datesInOrder, DATES_IN_ORDER);
export type Schedule = z.infer<typeof Schedule>;
export type ScheduleInput = z.input<typeof Schedule>;

/** An edit: everything but the name, which is fixed; a null date clears it. */
export const SchedulePatch = scheduleFields
  .omit({ name: true })
  .extend({ startDate: IsoDate.nullable(), endDate: IsoDate.nullable() })
  .partial()
  .strict();
export type SchedulePatch = z.infer<typeof SchedulePatch>;

/** A schedule as stored: when it was made and last changed (missed runs count from then). */
export const StoredSchedule = scheduleFields.extend({
  createdAt: z.string(),
  changedAt: z.string(),
});
export type StoredSchedule = z.infer<typeof StoredSchedule>;

export const RunRecordStatus = z.enum(['succeeded', 'failed', 'timed-out', 'blocked']);
export type RunRecordStatus = z.infer<typeof RunRecordStatus>;

export const GuardFinding = z.object({
  file: z.string(),
  line: z.number().int().nullable(),
  kind: z.enum(['client-id', 'email', 'ip-address', 'raw-json']),
  /** A short, redacted excerpt: never the raw value. */
  sample: z.string(),
});
export type GuardFinding = z.infer<typeof GuardFinding>;

/** JOB/runs/RUNID.json, written by resources/worker/run-job.sh on every run, failed or not. */
export const RunRecord = z.object({
  version: z.literal(1),
  job: z.string(),
  runId: z.string(),
  scheduledFor: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string(),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  status: RunRecordStatus,
  filesPublished: z.number().int(),
  bytesPublished: z.number().int(),
  guardFindings: z.array(GuardFinding),
  /** Relative to the publish destination: JOB/logs/RUNID.log.gz. */
  log: z.string(),
  /** Relative to the publish destination: JOB/data/. */
  output: z.string(),
  message: z.string().nullable(),
});
export type RunRecord = z.infer<typeof RunRecord>;

/**
 * Run records newest first: by start time, which run-job.sh writes to the second, then by run id,
 * which begins with the moment the app started the run, so two runs started within one second
 * still come out in the order they were started.
 */
export function newestRunFirst(a: RunRecord, b: RunRecord): number {
  return b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId);
}

// ---------------------------------------------------------------------------------------------
// Time math. Everything here is UTC; display helpers convert at the edge.

const DAY_MS = 86_400_000;

function isRealDate(d: string): boolean {
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d;
}

export function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

type Timing = Pick<Schedule, 'frequency' | 'timeOfDay' | 'startDate' | 'endDate'>;

/** Does the schedule run on this UTC day (ignoring start/end)? */
function runsOnDay(frequency: Frequency, day: Date): boolean {
  switch (frequency.kind) {
    case 'daily':
      return true;
    case 'weekly':
      return day.getUTCDay() === frequency.dayOfWeek;
    case 'monthly': {
      const last = daysInMonth(day.getUTCFullYear(), day.getUTCMonth());
      return day.getUTCDate() === Math.min(frequency.dayOfMonth, last);
    }
  }
}

function minutesOfDay(timeOfDay: string): number {
  const [h, m] = timeOfDay.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Run times t with after < t <= until, oldest first, at most `limit`. */
export function runsBetween(timing: Timing, after: Date, until: Date, limit = 10_000): Date[] {
  const out: Date[] = [];
  const offset = minutesOfDay(timing.timeOfDay) * 60_000;
  const startDay = timing.startDate ? Date.parse(`${timing.startDate}T00:00:00Z`) : -Infinity;
  const endLimit = timing.endDate ? Date.parse(`${timing.endDate}T00:00:00Z`) + DAY_MS : Infinity;
  let day = Math.max(Math.floor(after.getTime() / DAY_MS) * DAY_MS, startDay);
  const last = Math.min(until.getTime(), endLimit - 1);
  for (; day + offset <= last && out.length < limit; day += DAY_MS) {
    const t = day + offset;
    if (t <= after.getTime()) continue;
    if (runsOnDay(timing.frequency, new Date(day))) out.push(new Date(t));
  }
  return out;
}

/** The next `n` run times strictly after `from` (fewer when the end date comes first). */
export function nextRuns(timing: Timing, from: Date, n: number): Date[] {
  // Every frequency runs at least once in any 31 days, so n runs fit in 31 * n days.
  const start = timing.startDate ? Math.max(from.getTime(), Date.parse(`${timing.startDate}T00:00:00Z`)) : from.getTime();
  const horizon = new Date(start + (n + 1) * 31 * DAY_MS);
  return runsBetween(timing, from, horizon, n);
}

/** The latest run time at or before `now`, if any. */
export function previousRun(timing: Timing, now: Date): Date | undefined {
  const runs = runsBetween(timing, new Date(now.getTime() - 32 * DAY_MS), now);
  return runs[runs.length - 1];
}

/** The form's note for a monthly day that some months lack, or null. */
export function shortMonthNote(frequency: Frequency): string | null {
  if (frequency.kind !== 'monthly' || frequency.dayOfMonth <= 28) return null;
  const d = frequency.dayOfMonth;
  const which = d === 31 ? 'February, April, June, September and November' : d === 30 ? 'February' : 'February in years that are not leap years';
  return `Months without a day ${d} (${which}) run on their last day.`;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function weekdayName(dayOfWeek: number): string {
  return WEEKDAYS[dayOfWeek] ?? `day ${dayOfWeek}`;
}

/** "daily at 12:00 UTC", "weekly on Sunday at 06:30 UTC", "monthly on day 31 at 12:00 UTC". */
export function describeTiming(timing: Pick<Schedule, 'frequency' | 'timeOfDay'>): string {
  const at = `at ${timing.timeOfDay} UTC`;
  switch (timing.frequency.kind) {
    case 'daily':
      return `daily ${at}`;
    case 'weekly':
      return `weekly on ${weekdayName(timing.frequency.dayOfWeek)} ${at}`;
    case 'monthly':
      return `monthly on day ${timing.frequency.dayOfMonth} ${at}`;
  }
}

/**
 * EventBridge Scheduler cron expressions, `cron(min hour day-of-month month day-of-week year)`
 * with day-of-week 1-7 = SUN-SAT and `?` in the unused day field. Days 29 and 30 need two
 * schedules: the day itself in every month but February, and February's last day (`L`), which
 * is the 29th in leap years. Day 31 is exactly `L`. Start/end dates are the schedule's
 * StartDate/EndDate (see schedulerWindow), not part of the expression.
 */
export function cronExpressions(timing: Pick<Schedule, 'frequency' | 'timeOfDay'>): string[] {
  const [hour, minute] = timing.timeOfDay.split(':').map(Number);
  const hm = `${minute} ${hour}`;
  const f = timing.frequency;
  switch (f.kind) {
    case 'daily':
      return [`cron(${hm} * * ? *)`];
    case 'weekly':
      return [`cron(${hm} ? * ${f.dayOfWeek + 1} *)`];
    case 'monthly':
      if (f.dayOfMonth <= 28) return [`cron(${hm} ${f.dayOfMonth} * ? *)`];
      if (f.dayOfMonth === 31) return [`cron(${hm} L * ? *)`];
      return [`cron(${hm} ${f.dayOfMonth} 1,3-12 ? *)`, `cron(${hm} L 2 ? *)`];
  }
}

/** Scheduler StartDate / EndDate (exclusive: the day after the end date, 00:00 UTC). */
export function schedulerWindow(timing: Pick<Schedule, 'startDate' | 'endDate'>): { start?: Date; end?: Date } {
  return {
    ...(timing.startDate ? { start: new Date(`${timing.startDate}T00:00:00Z`) } : {}),
    ...(timing.endDate ? { end: new Date(Date.parse(`${timing.endDate}T00:00:00Z`) + DAY_MS) } : {}),
  };
}

/**
 * The most one AWS run can cost for its instance: the hours of its timeout at the on-demand
 * price of the EC2 worker table (us-east-1); undefined for a type the table does not have.
 */
export function costPerRun(instanceType: string, timeoutMinutes: number): { usd: number; hourlyUsd: number; hours: number } | undefined {
  const info = instanceTypeInfo(instanceType);
  if (!info || !Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) return undefined;
  const hours = timeoutMinutes / 60;
  return { usd: Math.round(info.hourlyUsd * hours * 10_000) / 10_000, hourlyUsd: info.hourlyUsd, hours };
}

/** Leap years through 2096, for February 28 when it is not the month's last day. */
const LEAP_YEARS = Array.from({ length: 18 }, (_, i) => 2028 + 4 * i).join(',');

/**
 * The days a job does NOT run, as EventBridge cron expressions at its time of day: on each of
 * them a heartbeat puts RunSucceeded = 1, so the alarm on that metric sees a value every day and
 * can use one window (a day plus the run's time) for every frequency, which CloudWatch's
 * seven-day limit on an alarm's window would not allow for a weekly or monthly gap. Empty for
 * a daily job.
 */
export function heartbeatExpressions(timing: Pick<Schedule, 'frequency' | 'timeOfDay'>): string[] {
  const [hour, minute] = timing.timeOfDay.split(':').map(Number);
  const hm = `${minute} ${hour}`;
  const f = timing.frequency;
  const range = (from: number, to: number) => (from > to ? [] : from === to ? [String(from)] : [`${from}-${to}`]);
  switch (f.kind) {
    case 'daily':
      return [];
    case 'weekly':
      return [`cron(${hm} ? * ${[1, 2, 3, 4, 5, 6, 7].filter((d) => d !== f.dayOfWeek + 1).join(',')} *)`];
    case 'monthly': {
      const d = f.dayOfMonth;
      if (d <= 28) return [`cron(${hm} ${[...range(1, d - 1), ...range(d + 1, 31)].join(',')} * ? *)`];
      // Days 29-31 run on the day itself where the month has it, else on its last day.
      const notLast = d === 31 ? [`cron(${hm} 28-30 1,3,5,7,8,10,12 ? *)`, `cron(${hm} 28,29 4,6,9,11 ? *)`] : [`cron(${hm} ${[28, 29, 30, 31].filter((x) => x !== d).join(',')} 1,3-12 ? *)`];
      return [`cron(${hm} 1-27 * ? *)`, ...notLast, `cron(${hm} 28 2 ? ${LEAP_YEARS})`];
    }
  }
}

/** "2028-02-29 12:00 UTC" */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The same instant in a local zone (the user's unless given), e.g. "Tue 2028-02-29 07:00 EST". */
export function formatLocal(date: Date, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
}

/** EMR Serverless' on-demand prices in us-east-1 (x86): per vCPU-hour and per GB-hour of memory. */
export const EMR_SERVERLESS_PRICE = { vcpuHourUsd: 0.052624, gbHourUsd: 0.0057785 };

/**
 * The most a Spark run on EMR Serverless can cost: its driver and every executor it may scale
 * to, for the whole timeout, at the on-demand prices. A run that ends sooner, or uses fewer
 * executors, costs less.
 */
export function sparkCostPerRun(size: SparkSize, timeoutMinutes: number): { usd: number; vcpu: number; memoryGiB: number; hours: number } | undefined {
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) return undefined;
  if (![size.driverCores, size.driverMemoryGiB, size.executorCores, size.executorMemoryGiB, size.maxExecutors].every((n) => Number.isFinite(n) && n > 0)) return undefined;
  const vcpu = size.driverCores + size.maxExecutors * size.executorCores;
  const memoryGiB = size.driverMemoryGiB + size.maxExecutors * size.executorMemoryGiB;
  const hours = timeoutMinutes / 60;
  const usd = (vcpu * EMR_SERVERLESS_PRICE.vcpuHourUsd + memoryGiB * EMR_SERVERLESS_PRICE.gbHourUsd) * hours;
  return { usd: Math.round(usd * 10_000) / 10_000, vcpu, memoryGiB, hours };
}
