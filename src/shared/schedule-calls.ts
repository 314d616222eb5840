import { z } from 'zod';
import { call, NoInput } from './call-spec.ts';
import { Frequency, GuardFinding, IsoDate, RunRecordStatus, Schedule, ScheduleBackendKind, ScheduleName, SchedulePatch, StoredSchedule, TimeOfDay } from './schedule.ts';

/**
 * The `schedules:*` part of the contract (spread into contract.ts), and what the Schedules view
 * and the CLI see: a schedule with its next run, and history rows that include what did NOT
 * happen (missed, skipped) as well as run records.
 */

/** A stored schedule and when it runs next (null: ended or disabled). */
export const ScheduleView = StoredSchedule.extend({ nextRun: z.string().nullable() });
export type ScheduleView = z.infer<typeof ScheduleView>;

export const HistoryStatus = z.enum([...RunRecordStatus.options, 'running', 'missed', 'skipped']);
export type HistoryStatus = z.infer<typeof HistoryStatus>;

/** One row of a job's history table, newest first. */
export const HistoryRow = z.object({
  status: HistoryStatus,
  runId: z.string().nullable(),
  scheduledFor: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  filesPublished: z.number().int(),
  bytesPublished: z.number().int(),
  guardFindings: z.array(GuardFinding),
  /** Where the log and the output are: a path on this computer or an s3:// URL. */
  log: z.string().nullable(),
  output: z.string().nullable(),
  message: z.string().nullable(),
});
export type HistoryRow = z.infer<typeof HistoryRow>;

/** A failed or timed-out run the user has not been told about yet. */
export const ScheduleAlert = z.object({
  job: z.string(),
  runId: z.string(),
  status: z.enum(['failed', 'timed-out', 'blocked', 'missed']),
  message: z.string(),
});
export type ScheduleAlert = z.infer<typeof ScheduleAlert>;

/** A job's CloudWatch alarm (AWS schedules): OK, ALARM (a run failed or did not happen), or not enough data yet. */
export const AlarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
export type AlarmState = z.infer<typeof AlarmState>;

/** The alert e-mail's SNS subscription: none, waiting for the user to click AWS's confirmation mail, or confirmed. */
export const AlertSubscriptionState = z.enum(['none', 'pending', 'confirmed']);
export type AlertSubscriptionState = z.infer<typeof AlertSubscriptionState>;

export const AlertEmail = z.string().trim().max(254).regex(/^$|^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address such as you@example.org, or empty for none');

export const AlertSubscription = z.object({
  email: z.string().nullable(),
  state: AlertSubscriptionState,
  /** The topic the runs publish to (null until AWS can be reached). */
  topicArn: z.string().nullable(),
});
export type AlertSubscription = z.infer<typeof AlertSubscription>;

export const TimingDraft = z
  .object({
    frequency: Frequency,
    timeOfDay: TimeOfDay.default('12:00'),
    startDate: IsoDate.optional(),
    endDate: IsoDate.optional(),
    count: z.number().int().min(1).max(50).default(5),
    /** Count from this instant (default now). */
    from: z.string().datetime().optional(),
  })
  .strict();

const Name = z.object({ name: ScheduleName }).strict();

export const scheduleCalls = {
  'schedules:backends': call(
    NoInput,
    z.object({ available: z.array(ScheduleBackendKind), preferred: ScheduleBackendKind, reasons: z.record(z.string(), z.string()), catchUpPolicy: z.string() }),
    'Which schedule backends can be used here (AWS needs an active profile), the default, and the local catch-up policy.',
  ),
  'schedules:create': call(Schedule, ScheduleView, 'Create a schedule (a unique name) and deploy it to its backend.'),
  'schedules:update': call(z.object({ name: ScheduleName, patch: SchedulePatch }).strict(), ScheduleView, 'Change a schedule (the name is fixed) and redeploy it.'),
  'schedules:list': call(NoInput, z.array(ScheduleView), 'The schedules with their next run.'),
  'schedules:get': call(Name, ScheduleView, 'One schedule.'),
  'schedules:delete': call(
    z.object({ name: ScheduleName, removeAwsResources: z.boolean().optional() }).strict(),
    z.null(),
    "Delete a schedule, its backend's timetable and its alarm; with removeAwsResources also its IAM role, instance profile and code in S3 (published output is kept).",
  ),
  'schedules:set-enabled': call(z.object({ name: ScheduleName, enabled: z.boolean() }).strict(), ScheduleView, 'Enable or disable a schedule.'),
  'schedules:run-now': call(Name, z.object({ runId: z.string() }), 'Start a run now, outside the timetable.'),
  'schedules:history': call(Name, z.array(HistoryRow), 'Runs of a job, newest first, with missed and skipped runs flagged.'),
  'schedules:log': call(z.object({ name: ScheduleName, runId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'a run id') }).strict(), z.object({ text: z.string(), truncated: z.boolean() }), "A run's log (the last 1 MB)."),
  'schedules:alerts': call(
    NoInput,
    z.array(ScheduleAlert),
    'Alerts raised since the app started (also sent as schedules:alert): failed, timed-out, blocked and missed runs.',
  ),
  'schedules:alarm-states': call(
    NoInput,
    z.record(z.string(), AlarmState),
    "Each AWS schedule's CloudWatch alarm state, by job name (empty when AWS cannot be reached).",
  ),
  'schedules:alert-subscription': call(
    NoInput,
    AlertSubscription,
    "The alert e-mail of Settings and its subscription to the app's SNS alert topic.",
  ),
  'schedules:set-alert-email': call(
    z.object({ email: AlertEmail }).strict(),
    AlertSubscription,
    'Store the alert e-mail and subscribe it to the alert topic (AWS mails a confirmation link); empty: no e-mail.',
  ),
  'schedules:next-runs': call(TimingDraft, z.object({ runs: z.array(z.string()), note: z.string().nullable(), cron: z.array(z.string()) }), "A draft's next run times (UTC ISO), the short-month note and its EventBridge cron expressions."),
} as const;

export const scheduleEvents = {
  /** The list of schedules changed (created, edited, enabled, deleted, a run started or ended). */
  'schedules:changed': z.array(ScheduleView),
  /** A failed, timed-out, blocked or missed run, once each: desktop notification. */
  'schedules:alert': ScheduleAlert,
} as const;
