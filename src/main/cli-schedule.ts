import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import type { HistoryRow, ScheduleView } from '../shared/schedule-calls.ts';
import { printable } from '../shared/display-text.ts';
import { describeTiming, formatUtc, ScheduleBackendKind, type Frequency } from '../shared/schedule.ts';
import { UsageError } from './cli-usage.ts';

export const SCHEDULE_USAGE = `Usage: workbench schedule <create|list|run-now|history|delete> [options]

Jobs that run daily, weekly or monthly from a code tarball (see 'workbench pack'), publishing
their output. The local backend runs them while the app is open; the CLI edits them and runs
them now.

  create NAME --tarball FILE --frequency daily|weekly|monthly [--day N]
         [--time HH:MM] [--command CMD] [--output-dir DIR] [--timeout MINUTES]
                       --command, --output-dir: default the package's own (sh run.sh, output)
         [--public] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--disabled]
         [--backend local|aws] [--worker WORKER_ID]
         [--instance-type TYPE] [--disk GIB] [--data DIR|s3://BUCKET/PREFIX]
                       --instance-type, --disk: an AWS run's instance (default m6i.large)
                       --data: what the job reads as DATA_DIR (default the sample data;
                       on AWS none); an s3:// one is readable by an AWS run's role
                       and root disk (default 8 GiB)
         [--spark-driver CORES:GIB] [--spark-executor CORES:GIB] [--spark-executors N]
                       a Spark package's run on AWS (EMR Serverless): driver and executor
                       vCPU (1, 2, 4, 8 or 16) and memory, executors at most (default
                       2:8, 4:16 and 4)
                       --day: 0-6 (0 = Sunday) for weekly, 1-31 for monthly (a month
                       without that day runs on its last day); --time is UTC (default 12:00)
  list                 schedules with their next run
  run-now NAME [--detach]
                       run now and wait for the run's record (exit 1 unless it succeeded)
  history NAME         runs with status, duration, bytes published; missed runs flagged
  delete NAME --yes [--remove-aws-resources]
                       delete the schedule (and an AWS schedule's alarm); with
                       --remove-aws-resources also its IAM role, instance profile and code
                       in the code bucket. Published output is kept.
  --json               print results as JSON`;

function whole(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number, not "${value}".`);
  return Number(value);
}

/** CORES:GIB of --spark-driver or --spark-executor, as the schedule's spark size fields. */
function sparkPart(value: string | undefined, flag: string, who: 'driver' | 'executor'): Record<string, number> {
  if (value === undefined) return {};
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m) throw new UsageError(`${flag} must be CORES:GIB, such as ${who === 'driver' ? '2:8' : '4:16'}, not "${printable(value)}".`);
  return { [`${who}Cores`]: Number(m[1]), [`${who}MemoryGiB`]: Number(m[2]) };
}

function backendOf(value: string): ScheduleBackendKind {
  const kinds = ScheduleBackendKind.options;
  if (!kinds.includes(value as ScheduleBackendKind)) throw new UsageError(`--backend must be ${kinds.join(' or ')}, not "${printable(value)}".`);
  return value as ScheduleBackendKind;
}

function frequencyOf(kind: string | undefined, day: number | undefined): Frequency {
  switch (kind) {
    case 'daily':
      return { kind: 'daily' };
    case 'weekly':
      if (day === undefined) throw new UsageError('A weekly schedule needs --day 0-6 (0 = Sunday).');
      return { kind: 'weekly', dayOfWeek: day };
    case 'monthly':
      if (day === undefined) throw new UsageError('A monthly schedule needs --day 1-31.');
      return { kind: 'monthly', dayOfMonth: day };
    default:
      throw new UsageError(kind ? `--frequency must be daily, weekly or monthly, not "${kind}".` : 'create needs --frequency daily, weekly or monthly.');
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

/**
 * The history row of a run once it has ended (undefined when it ended without a record):
 * looked up again at each `schedules:changed`, which the backend sends when a run ends.
 */
async function runEnded(client: WorkbenchClient, name: string, runId: string): Promise<HistoryRow | undefined> {
  let changed: () => void = () => undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = client.subscribe('schedules:changed', () => changed());
  try {
    for (;;) {
      const next = new Promise<void>((resolve) => {
        changed = resolve;
        // A change whose schedule list could not be read sends no event: looked at again after a while all the same.
        timer = setTimeout(resolve, RECHECK_MS);
      });
      const row = (await client.call('schedules:history', { name })).find((r) => r.runId === runId);
      if (row?.status !== 'running') return row;
      await next;
      clearTimeout(timer);
    }
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

const RECHECK_MS = 5_000;

/** `workbench schedule ...`: the same calls as the Schedules view. */
export async function runScheduleCommand(client: WorkbenchClient, args: string[], out: (line: string) => void): Promise<number> {
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
      'instance-type': { type: 'string' },
      disk: { type: 'string' },
      data: { type: 'string' },
      'spark-driver': { type: 'string' },
      'spark-executor': { type: 'string' },
      'spark-executors': { type: 'string' },
      'remove-aws-resources': { type: 'boolean', default: false },
      detach: { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [verb, name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
  const print = (value: unknown, text: () => void) => (values.json ? out(JSON.stringify(value, null, 2)) : text());
  const needName = () => {
    if (!name) throw new UsageError(`${verb} needs a schedule NAME.`);
    return name;
  };
  switch (verb) {
    case 'create': {
      if (!values.tarball) throw new UsageError('create needs --tarball FILE (a package from `workbench pack`).');
      const timeout = whole(values.timeout, '--timeout');
      const disk = whole(values.disk, '--disk');
      const executors = whole(values['spark-executors'], '--spark-executors');
      const spark = { ...sparkPart(values['spark-driver'], '--spark-driver', 'driver'), ...sparkPart(values['spark-executor'], '--spark-executor', 'executor'), ...(executors !== undefined && { maxExecutors: executors }) };
      const created = await client.call('schedules:create', {
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
        ...(values.backend ? { backend: backendOf(values.backend) } : {}),
        ...(values.worker ? { worker: values.worker } : {}),
        ...(values['instance-type'] ? { instanceType: values['instance-type'] } : {}),
        ...(values.data ? { dataSource: values.data } : {}),
        ...(disk !== undefined ? { diskGiB: disk } : {}),
        ...(Object.keys(spark).length > 0 ? { spark } : {}),
      });
      print(created, () => out(`Scheduled ${created.name}: ${describeTiming(created)}${created.nextRun ? `, next run ${formatUtc(new Date(created.nextRun))}` : ''}.`));
      return 0;
    }
    case 'list': {
      const list = await client.call('schedules:list');
      print(list, () => {
        if (list.length === 0) out('No schedules.');
        for (const s of list) out(scheduleLine(s));
      });
      return 0;
    }
    case 'run-now': {
      const { runId } = await client.call('schedules:run-now', { name: needName() });
      const schedule = await client.call('schedules:get', { name: needName() });
      if (values.detach || schedule.backend !== 'local') {
        print({ runId }, () => out(`Started run ${runId} of ${name}.`));
        return 0;
      }
      const row = await runEnded(client, needName(), runId);
      print(row ?? { runId }, () => out(row ? historyLine(row) : `Run ${runId} left no record.`));
      return row?.status === 'succeeded' ? 0 : 1;
    }
    case 'history': {
      const rows = await client.call('schedules:history', { name: needName() });
      print(rows, () => {
        if (rows.length === 0) out(`${name} has not run yet.`);
        for (const r of rows) out(historyLine(r));
      });
      return 0;
    }
    case 'delete': {
      if (!values.yes) throw new UsageError(`Deleting ${needName()} stops its runs; add --yes to confirm.`);
      const removeAwsResources = values['remove-aws-resources'];
      await client.call('schedules:delete', { name: needName(), removeAwsResources });
      print(null, () => out(`Deleted ${name}${removeAwsResources ? ' with its role, instance profile and code in S3' : ''}.`));
      return 0;
    }
    default:
      throw new UsageError(verb ? `Unknown schedule command "${verb}".` : 'schedule needs a command.');
  }
}
