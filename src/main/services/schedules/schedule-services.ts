import { cronExpressions, nextRuns, shortMonthNote, type ScheduleBackendKind } from '../../../shared/schedule.ts';
import type { ScheduleAlert } from '../../../shared/schedule-calls.ts';
import type { EventHub } from '../../events.ts';
import type { Handlers } from '../../rpc.ts';
import type { WorkerRuntime } from '../jobs/runtime.ts';
import type { DocumentStore } from '../store/document-store.ts';
import type { Transport } from '../workers/transport.ts';
import type { ScheduleBackend } from './backend.ts';
import { CATCH_UP_POLICY, LocalScheduleBackend } from './local-backend.ts';
import { ScheduleService } from './schedule-service.ts';
import { ScheduleStore } from './schedule-store.ts';

type ScheduleHandlers = Pick<
  Handlers,
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
>;

export interface ScheduleServicesOptions {
  dataDir: string;
  hub: EventHub;
  store: DocumentStore;
  transports: (workerId: string) => Promise<Transport>;
  runtime: WorkerRuntime;
  /** The AWS backend for the active profile, or why there is none (no profile, not set up). */
  aws?: () => Promise<ScheduleBackend | string>;
  now?: () => Date;
  pollMs?: number;
  /** Environment for scheduled jobs run by the local backend (DATA_DIR). */
  jobEnv?: () => Record<string, string>;
}

export interface ScheduleServices {
  handlers: ScheduleHandlers;
  service: ScheduleService;
  local: LocalScheduleBackend;
  /** Alerts raised since start, newest last: a window that opens later still shows them. */
  recentAlerts(): ScheduleAlert[];
  /** The open app: run local schedules when due (catching up first), and raise alerts seen since last time. */
  start(): Promise<void>;
  close(): void;
}

/** How often an open app looks at run records for failures it has not told the user about. */
const ALERT_CHECK_MS = 5 * 60_000;
const RECENT_ALERTS_KEPT = 20;

export function createScheduleServices(options: ScheduleServicesOptions): ScheduleServices {
  const { hub } = options;
  const noAws = 'The AWS backend is not available in this build yet; choose the local backend.';
  const aws = options.aws ?? (() => Promise.resolve(noAws));
  const recent: ScheduleAlert[] = [];
  const local = new LocalScheduleBackend({
    store: options.store,
    dataDir: options.dataDir,
    transports: options.transports,
    runtime: options.runtime,
    ...(options.now ? { now: options.now } : {}),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    ...(options.jobEnv ? { jobEnv: options.jobEnv } : {}),
    onChange: () => void service.list().then((list) => hub.emit('schedules:changed', list)).catch(() => undefined),
    // A run that just ended is "seen": its failure is told now, not at the next check.
    onRunEnded: (record) => void service.history(record.job).catch(() => undefined),
  });
  const backendOf = async (kind: ScheduleBackendKind): Promise<ScheduleBackend | string> => (kind === 'local' ? local : aws());
  const service: ScheduleService = new ScheduleService({
    store: new ScheduleStore(options.store),
    backend: backendOf,
    ...(options.now ? { now: options.now } : {}),
    onChange: (list) => hub.emit('schedules:changed', list),
    onAlert: (alert) => {
      recent.push(alert);
      recent.splice(0, Math.max(0, recent.length - RECENT_ALERTS_KEPT));
      hub.emit('schedules:alert', alert, alert.job);
    },
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  const now = options.now ?? (() => new Date());

  const handlers: ScheduleHandlers = {
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
    'schedules:delete': async ({ name }) => (await service.delete(name), null),
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
  };

  return {
    handlers,
    service,
    local,
    recentAlerts: () => [...recent],
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
