import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { HistoryRow, ScheduleView } from '../shared/schedule-calls.ts';
import { describeTiming, formatUtc, type Frequency } from '../shared/schedule.ts';
import type { Workbench } from './workbench.ts';

export const SCHEDULE_USAGE = `Usage: workbench schedule <create|list|run-now|history|delete> [options]

Jobs that run daily, weekly or monthly from a code tarball (see 'workbench pack'), publishing
their output. The local backend runs them while the app is open; the CLI edits them and runs
them now.

  create NAME --tarball FILE --frequency daily|weekly|monthly [--day N]
         [--time HH:MM] [--command CMD] [--output-dir DIR] [--timeout MINUTES]
         [--public] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--disabled]
         [--backend local|aws] [--worker WORKER_ID]
                       --day: 0-6 (0 = Sunday) for weekly, 1-31 for monthly (a month
                       without that day runs on its last day); --time is UTC (default 12:00)
  list                 schedules with their next run
  run-now NAME [--detach]
                       run now and wait for the run's record (exit 1 unless it succeeded)
  history NAME         runs with status, duration, bytes published; missed runs flagged
  delete NAME --yes    delete the schedule (published output is kept)
  --json               print results as JSON`;

export class ScheduleUsageError extends Error {}

async function call<T>(workbench: Workbench, name: string, input: unknown): Promise<T> {
  const result = await workbench.dispatch(name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value as T;
}

function whole(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new ScheduleUsageError(`${flag} must be a whole number, not "${value}".`);
  return Number(value);
}

function frequencyOf(kind: string | undefined, day: number | undefined): Frequency {
  switch (kind) {
    case 'daily':
      return { kind: 'daily' };
    case 'weekly':
      if (day === undefined) throw new ScheduleUsageError('A weekly schedule needs --day 0-6 (0 = Sunday).');
      return { kind: 'weekly', dayOfWeek: day };
    case 'monthly':
      if (day === undefined) throw new ScheduleUsageError('A monthly schedule needs --day 1-31.');
      return { kind: 'monthly', dayOfMonth: day };
    default:
      throw new ScheduleUsageError(kind ? `--frequency must be daily, weekly or monthly, not "${kind}".` : 'create needs --frequency daily, weekly or monthly.');
  }
}

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function scheduleLine(s: ScheduleView): string {
  const next = s.nextRun ? `next ${formatUtc(new Date(s.nextRun))}` : s.enabled ? 'no more runs' : 'disabled';
  return [s.name.padEnd(24), describeTiming(s).padEnd(34), next.padEnd(26), s.backend === 'local' ? `local (${s.worker})` : 'aws'].join('  ').trimEnd();
}

function historyLine(r: HistoryRow): string {
  const when = r.startedAt ?? r.scheduledFor;
  return [r.status.padEnd(9), (when ? formatUtc(new Date(when)) : '-').padEnd(20), duration(r.durationSeconds).padStart(7), `${r.bytesPublished} B`.padStart(12), r.runId ?? '-', r.message?.split('\n')[0] ?? ''].join('  ').trimEnd();
}

/** `workbench schedule ...`: the same calls as the Schedules view. */
export async function runScheduleCommand(workbench: Workbench, args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      tarball: { type: 'string' },
      frequency: { type: 'string' },
      day: { type: 'string' },
      time: { type: 'string' },
      command: { type: 'string' },
      'output-dir': { type: 'string' },
      timeout: { type: 'string' },
      public: { type: 'boolean', default: false },
      start: { type: 'string' },
      end: { type: 'string' },
      disabled: { type: 'boolean', default: false },
      backend: { type: 'string' },
      worker: { type: 'string' },
      detach: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [verb, name, ...extra] = positionals;
  if (extra.length > 0) throw new ScheduleUsageError(`Unexpected arguments: ${extra.join(' ')}`);
  const print = (value: unknown, text: () => void) => (values.json ? out(JSON.stringify(value, null, 2)) : text());
  const needName = () => {
    if (!name) throw new ScheduleUsageError(`${verb} needs a schedule NAME.`);
    return name;
  };
  switch (verb) {
    case 'create': {
      if (!values.tarball) throw new ScheduleUsageError('create needs --tarball FILE (a package from `workbench pack`).');
      const timeout = whole(values.timeout, '--timeout');
      const created = await call<ScheduleView>(workbench, 'schedules:create', {
        name: needName(),
        tarball: resolve(values.tarball),
        frequency: frequencyOf(values.frequency, whole(values.day, '--day')),
        visibility: values.public ? 'public' : 'private',
        enabled: !values.disabled,
        ...(values.time ? { timeOfDay: values.time } : {}),
        ...(values.command ? { command: values.command } : {}),
        ...(values['output-dir'] ? { outputDir: values['output-dir'] } : {}),
        ...(timeout !== undefined ? { timeoutMinutes: timeout } : {}),
        ...(values.start ? { startDate: values.start } : {}),
        ...(values.end ? { endDate: values.end } : {}),
        ...(values.backend ? { backend: values.backend } : {}),
        ...(values.worker ? { worker: values.worker } : {}),
      });
      print(created, () => out(`Scheduled ${created.name}: ${describeTiming(created)}${created.nextRun ? `, next run ${formatUtc(new Date(created.nextRun))}` : ''}.`));
      return 0;
    }
    case 'list': {
      const list = await call<ScheduleView[]>(workbench, 'schedules:list', undefined);
      print(list, () => {
        if (list.length === 0) out('No schedules.');
        for (const s of list) out(scheduleLine(s));
      });
      return 0;
    }
    case 'run-now': {
      const { runId } = await call<{ runId: string }>(workbench, 'schedules:run-now', { name: needName() });
      const schedule = await call<ScheduleView>(workbench, 'schedules:get', { name: needName() });
      if (values.detach || schedule.backend !== 'local') {
        print({ runId }, () => out(`Started run ${runId} of ${name}.`));
        return 0;
      }
      await workbench.schedules.local.whenIdle();
      const rows = await call<HistoryRow[]>(workbench, 'schedules:history', { name: needName() });
      const row = rows.find((r) => r.runId === runId);
      print(row ?? { runId }, () => out(row ? historyLine(row) : `Run ${runId} left no record.`));
      return row?.status === 'succeeded' ? 0 : 1;
    }
    case 'history': {
      const rows = await call<HistoryRow[]>(workbench, 'schedules:history', { name: needName() });
      print(rows, () => {
        if (rows.length === 0) out(`${name} has not run yet.`);
        for (const r of rows) out(historyLine(r));
      });
      return 0;
    }
    case 'delete': {
      if (!values.yes) throw new ScheduleUsageError(`Deleting ${needName()} stops its runs; add --yes to confirm.`);
      await call(workbench, 'schedules:delete', { name: needName() });
      print(null, () => out(`Deleted ${name}.`));
      return 0;
    }
    default:
      throw new ScheduleUsageError(verb ? `Unknown schedule command "${verb}".` : 'schedule needs a command.');
  }
}
