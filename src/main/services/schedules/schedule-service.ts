import { WorkbenchError } from '../../../shared/errors.ts';
import type { HistoryRow, ScheduleAlert, ScheduleView } from '../../../shared/schedule-calls.ts';
import { nextRuns, Schedule, type ScheduleBackendKind, type ScheduleInput, type SchedulePatch, type StoredSchedule } from '../../../shared/schedule.ts';
import type { ScheduleBackend } from './backend.ts';
import { withPackageEntry } from './package-entry.ts';
import { historyRows, rowOfRecord } from './missed-runs.ts';
import type { ScheduleStore } from './schedule-store.ts';

export interface ScheduleServiceOptions {
  store: ScheduleStore;
  /** The backend of a kind, or why it cannot be used here (e.g. no active AWS profile). */
  backend: (kind: ScheduleBackendKind) => Promise<ScheduleBackend | string>;
  now?: () => Date;
  onChange?: (list: ScheduleView[]) => void;
  onAlert?: (alert: ScheduleAlert) => void;
}

const LOG_LIMIT = 1024 * 1024;

function withoutTimes(s: StoredSchedule): Schedule {
  const { createdAt: _c, changedAt: _d, ...schedule } = s;
  return schedule;
}

/**
 * The user's schedules: kept in the data dir and mirrored to their backend (EventBridge or the
 * app's own timetable). History comes from the backend's run records, with what did not happen
 * flagged, and a failed, timed-out, blocked or missed run raises one alert the first time the
 * app sees it.
 */
export class ScheduleService {
  private readonly now: () => Date;

  constructor(private readonly options: ScheduleServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.options.store.list()).map((s) => this.view(s));
  }

  async get(name: string): Promise<ScheduleView> {
    return this.view(await this.stored(name));
  }

  async create(input: ScheduleInput): Promise<ScheduleView> {
    const schedule = Schedule.parse(await withPackageEntry(input));
    if (await this.options.store.get(schedule.name)) {
      throw new WorkbenchError('BAD_INPUT', `A schedule named ${schedule.name} exists already; choose another name or edit that one.`);
    }
    const backend = await this.backendOf(schedule.backend);
    await backend.deploy(schedule, schedule.tarball);
    const at = this.now().toISOString();
    await this.options.store.update((list) => {
      if (list.some((s) => s.name === schedule.name)) throw new WorkbenchError('BAD_INPUT', `A schedule named ${schedule.name} exists already.`);
      return [...list, { ...schedule, createdAt: at, changedAt: at }];
    });
    return this.changed(schedule.name);
  }

  async update(name: string, patch: SchedulePatch): Promise<ScheduleView> {
    const current = await this.stored(name);
    const merged: Record<string, unknown> = { ...withoutTimes(current), ...patch, name };
    for (const key of ['startDate', 'endDate']) if (merged[key] === null) delete merged[key];
    const next = Schedule.parse(await withPackageEntry(merged as ScheduleInput));
    const backend = await this.backendOf(next.backend);
    await backend.deploy(next, next.tarball);
    if (next.backend !== current.backend) {
      // Moved: the old backend must not go on running it.
      await (await this.backendOf(current.backend)).remove(name);
    }
    await this.replace(name, () => ({ ...next, createdAt: current.createdAt, changedAt: this.now().toISOString() }));
    return this.changed(name);
  }

  async setEnabled(name: string, enabled: boolean): Promise<ScheduleView> {
    const current = await this.stored(name);
    await (await this.backendOf(current.backend)).setEnabled(name, enabled);
    await this.replace(name, (s) => ({ ...s, enabled, changedAt: this.now().toISOString() }));
    return this.changed(name);
  }

  /** Removes the backend's schedule first: a schedule is never forgotten while it can still fire. */
  async delete(name: string, options: { removeAwsResources?: boolean } = {}): Promise<void> {
    const current = await this.stored(name);
    await (await this.backendOf(current.backend)).remove(name, options);
    await this.options.store.update((list) => list.filter((s) => s.name !== name));
    this.options.onChange?.(await this.list());
  }

  async runNow(name: string): Promise<string> {
    const current = await this.stored(name);
    const runId = await (await this.backendOf(current.backend)).runNow(withoutTimes(current));
    this.options.onChange?.(await this.list());
    return runId;
  }

  async history(name: string): Promise<HistoryRow[]> {
    const schedule = await this.stored(name);
    const backend = await this.backendOf(schedule.backend);
    const records = await backend.history(name);
    const rows = records.map((r) => rowOfRecord(r, backend.locate?.(r) ?? { log: r.log, output: r.output }));
    const pending = (await backend.pendingRows?.(name, new Set(records.map((r) => r.runId)))) ?? [];
    const all = historyRows(schedule, rows, pending, this.now());
    await this.alert(name, all);
    return all;
  }

  async readLog(name: string, runId: string): Promise<{ text: string; truncated: boolean }> {
    const schedule = await this.stored(name);
    const backend = await this.backendOf(schedule.backend);
    if (!backend.readLog) throw new WorkbenchError('BAD_INPUT', `The ${backend.kind} backend cannot show logs here; open the log's location instead.`);
    return backend.readLog(name, runId, LOG_LIMIT);
  }

  /** Looks at every schedule's history, raising alerts for what went wrong since last seen. */
  async checkAll(): Promise<void> {
    for (const schedule of await this.options.store.list()) {
      try {
        await this.history(schedule.name);
      } catch {
        // A backend that cannot be reached now (no profile, offline) is looked at next time.
      }
    }
  }

  private async alert(name: string, rows: HistoryRow[]): Promise<void> {
    if (!this.options.onAlert) return;
    const bad = rows.filter((r) => r.status === 'failed' || r.status === 'timed-out' || r.status === 'blocked' || r.status === 'missed');
    const keyOf = (r: HistoryRow) => (r.runId ? `${name}/${r.runId}` : `${name}/missed/${r.scheduledFor}`);
    const fresh = new Set(await this.options.store.unseenAlerts(bad.map(keyOf)));
    for (const row of bad) {
      if (!fresh.has(keyOf(row))) continue;
      const status = row.status as ScheduleAlert['status'];
      const what = status === 'missed' ? `did not run at ${row.scheduledFor}` : status === 'timed-out' ? 'timed out' : status === 'blocked' ? 'was blocked from publishing' : 'failed';
      this.options.onAlert({ job: name, runId: row.runId ?? `missed-${row.scheduledFor}`, status, message: `${name} ${what}${row.message ? `: ${row.message.split('\n')[0]}` : '.'}` });
    }
  }

  private view(s: StoredSchedule): ScheduleView {
    const next = s.enabled ? nextRuns(s, this.now(), 1)[0] : undefined;
    return { ...s, nextRun: next ? next.toISOString() : null };
  }

  private async stored(name: string): Promise<StoredSchedule> {
    const s = await this.options.store.get(name);
    if (!s) throw new WorkbenchError('NOT_FOUND', `There is no schedule named ${name}.`);
    return s;
  }

  private async backendOf(kind: ScheduleBackendKind): Promise<ScheduleBackend> {
    const backend = await this.options.backend(kind);
    if (typeof backend === 'string') throw new WorkbenchError('UNAVAILABLE', backend, { retryable: false });
    return backend;
  }

  private async replace(name: string, change: (s: StoredSchedule) => StoredSchedule): Promise<void> {
    await this.options.store.update((list) => list.map((s) => (s.name === name ? change(s) : s)));
  }

  private async changed(name: string): Promise<ScheduleView> {
    const list = await this.list();
    this.options.onChange?.(list);
    const view = list.find((s) => s.name === name);
    if (!view) throw new WorkbenchError('NOT_FOUND', `There is no schedule named ${name}.`);
    return view;
  }
}
