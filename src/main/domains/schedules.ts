import { WorkbenchError } from '../../shared/errors.ts';
import { Schedule, cronExpressions, nextRuns, shortMonthNote, type ScheduleBackendKind } from '../../shared/schedule.ts';
import type { ScheduleAlert } from '../../shared/schedule-calls.ts';
import { newAwsScheduleBackend, awsScheduleBackend } from '../services/schedules/aws-backend-factory.ts';
import type { ScheduleBackend } from '../services/schedules/backend.ts';
import { CATCH_UP_POLICY, LocalScheduleBackend } from '../services/schedules/local-backend.ts';
import { ScheduleService } from '../services/schedules/schedule-service.ts';
import { ScheduleStore } from '../services/schedules/schedule-store.ts';
import { runnerS3Env } from '../services/jobs/data-sources.ts';
import type { AwsDomain } from './aws.ts';
import type { Core, Domain } from './domain.ts';
import type { JobsDomain } from './jobs.ts';
import type { SettingsDomain } from './settings.ts';
import type { WorkersDomain } from './workers.ts';

type ScheduleCalls =
  | 'schedules:backends'
  | 'schedules:create'
  | 'schedules:update'
  | 'schedules:list'
  | 'schedules:get'
  | 'schedules:delete'
  | 'schedules:set-enabled'
  | 'schedules:run-now'
  | 'schedules:history'
  | 'schedules:log'
  | 'schedules:alerts'
  | 'schedules:next-runs'
  | 'schedules:aws-permissions'
  | 'schedules:bucket-check'
  | 'schedules:alarm-states'
  | 'schedules:alert-subscription'
  | 'schedules:set-alert-email';

export interface SchedulesDomainOptions {
  /** Tests give schedules a fake clock, a faster poll, or an AWS backend. */
  now?: () => Date;
  pollMs?: number;
  aws?: () => Promise<ScheduleBackend | string>;
  env?: NodeJS.ProcessEnv;
}

export interface SchedulesDomain extends Domain<ScheduleCalls> {
  service: ScheduleService;
  local: LocalScheduleBackend;
  /** Alerts raised since start, newest last: a window that opens later still shows them. */
  recentAlerts(): ScheduleAlert[];
}

/** How often an open app looks at run records for failures it has not told the user about. */
const ALERT_CHECK_MS = 5 * 60_000;
const RECENT_ALERTS_KEPT = 20;

/**
 * Scheduled packaged jobs, on AWS (EventBridge) or the app's own timetable (the local backend,
 * which runs them only while the app is open; the command line only edits them).
 */
export function createSchedulesDomain(
  core: Pick<Core, 'dataDir' | 'resourcesDir' | 'bus' | 'store'>,
  deps: { settings: SettingsDomain; aws: AwsDomain; workers: WorkersDomain; jobs: JobsDomain },
  options: SchedulesDomainOptions = {},
): SchedulesDomain {
  const { bus } = core;
  const store = new ScheduleStore(core.store);
  const awsDeps = {
    credentials: deps.aws.credentials,
    settings: deps.settings.settings,
    resourcesDir: core.resourcesDir,
    // History and logs find a job's bucket by its stored schedule.
    lookup: (name: string) => store.get(name).catch(() => undefined),
    ...(options.env ? { env: options.env } : {}),
  };
  const aws = options.aws ?? awsScheduleBackend(awsDeps);
  const permissions = newAwsScheduleBackend(awsDeps);
  const recent: ScheduleAlert[] = [];
  const local = new LocalScheduleBackend({
    store: core.store,
    dataDir: core.dataDir,
    transports: (workerId) => deps.workers.transports.get(workerId),
    runtime: deps.jobs.runtime,
    jobDataDir: () => deps.jobs.sampleData.path,
    s3Env: () => runnerS3Env(deps.aws.credentials),
    ...(options.now ? { now: options.now } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    onChange: () => void service.list().then((list) => bus.emit('schedules:changed', list)).catch(() => undefined),
    // A run that just ended is "seen": its failure is told now, not at the next check.
    onRunEnded: (record) => void service.history(record.job).catch(() => undefined),
  });
  const service: ScheduleService = new ScheduleService({
    store,
    backend: async (kind: ScheduleBackendKind) => (kind === 'local' ? local : aws()),
    ...(options.now ? { now: options.now } : {}),
    onChange: (list) => bus.emit('schedules:changed', list),
    onAlert: (alert) => {
      recent.push(alert);
      recent.splice(0, Math.max(0, recent.length - RECENT_ALERTS_KEPT));
      bus.emit('schedules:alert', alert, alert.job);
    },
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const now = options.now ?? (() => new Date());

  return {
    service,
    local,
    recentAlerts: () => [...recent],
    handlers: {
      'schedules:backends': async () => {
        const awsBackend = await aws().catch((err: unknown) => (err as Error).message);
        const available: ScheduleBackendKind[] = typeof awsBackend === 'string' ? ['local'] : ['aws', 'local'];
        return {
          available,
          preferred: available[0] ?? 'local',
          reasons: (typeof awsBackend === 'string' ? { aws: awsBackend } : {}) as Record<string, string>,
          catchUpPolicy: CATCH_UP_POLICY,
        };
      },
      'schedules:create': (input) => service.create(input),
      'schedules:update': ({ name, patch }) => service.update(name, patch),
      'schedules:list': () => service.list(),
      'schedules:get': ({ name }) => service.get(name),
      'schedules:delete': async ({ name, removeAwsResources }) => (await service.delete(name, { removeAwsResources: removeAwsResources ?? false }), null),
      'schedules:set-enabled': ({ name, enabled }) => service.setEnabled(name, enabled),
      'schedules:run-now': async ({ name }) => ({ runId: await service.runNow(name) }),
      'schedules:history': ({ name }) => service.history(name),
      'schedules:log': ({ name, runId }) => service.readLog(name, runId),
      'schedules:alerts': () => [...recent],
      'schedules:next-runs': (draft) => ({
        runs: nextRuns(draft, draft.from ? new Date(draft.from) : now(), draft.count).map((d) => d.toISOString()),
        note: shortMonthNote(draft.frequency),
        cron: cronExpressions(draft),
      }),
      // Alarm states only when AWS can be reached and some schedule is there.
      'schedules:alarm-states': async () => {
        const list = await service.list();
        if (!list.some((s) => s.backend === 'aws') || typeof (await aws().catch(() => 'unavailable')) === 'string') return {};
        return permissions.alarmStates();
      },
      'schedules:alert-subscription': async () => {
        const email = (await deps.settings.settings.get()).alertEmail || undefined;
        if (typeof (await aws().catch(() => 'unavailable')) === 'string') return { email: email ?? null, state: 'none' as const, topicArn: null };
        return permissions.alertSubscription(email, false);
      },
      // Stored first: the next deploy subscribes it even when AWS cannot be reached now.
      'schedules:set-alert-email': async ({ email }) => {
        const previous = (await deps.settings.settings.get()).alertEmail || undefined;
        await deps.settings.settings.set({ alertEmail: email });
        const stored = email || undefined;
        const reason = await aws().catch((err: unknown) => (err as Error).message);
        if (typeof reason === 'string') {
          if (stored) throw new WorkbenchError('UNAVAILABLE', `The alert e-mail is saved; it is subscribed once AWS can be reached: ${reason}`, { retryable: false });
          return { email: null, state: 'none' as const, topicArn: null };
        }
        return permissions.alertSubscription(stored, true, previous);
      },
      // What IAM a job would get, before anything is created.
      'schedules:aws-permissions': ({ name, visibility, bucket, dataSource, engine }) =>
        permissions.permissions(Schedule.parse({ name, visibility, ...(bucket ? { bucket } : {}), ...(dataSource ? { dataSource } : {}), tarball: '-', frequency: { kind: 'daily' }, backend: 'aws' }), engine),
      'schedules:bucket-check': ({ name, visibility, bucket }) =>
        permissions.bucketCheck(Schedule.parse({ name, visibility, ...(bucket ? { bucket } : {}), tarball: '-', frequency: { kind: 'daily' }, backend: 'aws' })),
    },
    // The open app runs local schedules when due (catching up first), and raises alerts seen since last time.
    start: async () => {
      await local.start();
      // Not awaited: looking at AWS run records must not hold up the app's start. A schedule
      // list this version cannot read (a newer one's) is a start-up notice already.
      void service.checkAll().catch(() => undefined);
      timer ??= setInterval(() => void service.checkAll().catch(() => undefined), ALERT_CHECK_MS);
      timer.unref?.();
    },
    close: () => {
      local.stop();
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
