import { isS3Location } from '../../../shared/data-source.ts';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { WorkbenchError } from '../../../shared/errors.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import { newRunId } from '../../../shared/model.ts';
import type { HistoryRow } from '../../../shared/schedule-calls.ts';
import { newestRunFirst, nextRuns, RunRecord, Schedule, runsBetween } from '../../../shared/schedule.ts';
import type { WorkerRuntime } from '../jobs/runtime.ts';
import { WorkerCheck } from '../jobs/worker-check.ts';
import { copyCheckedPackage } from '../packager/checked-copy.ts';
import { packageEngine, sparkPathFolder } from '../packager/spark-run.ts';
import type { DocumentSpec, DocumentStore } from '../store/document-store.ts';
import type { Transport } from '../workers/transport.ts';
import type { ScheduleBackend } from './backend.ts';
import { gunzipTail } from './gunzip-tail.ts';
import { resumeScheduledJob, runScheduledJob, writeOwnRecord, type ScheduledRun } from './local-run.ts';
import { rowWithoutRecord } from './missed-runs.ts';

/** Catch-up on start: the latest missed run younger than this runs once; older ones stay missed. */
export const CATCH_UP_HOURS = 24;
export const CATCH_UP_POLICY = `While the app is open it runs local schedules when they are due. When it starts (or wakes), the latest run missed within the last ${CATCH_UP_HOURS} hours runs once, straight away; older missed runs are not run but shown as missed. A run that falls due while the previous run of the same job is still going is skipped (and shown as skipped).`;
/**
 * The longest the clock sleeps: it wakes at the next run's time, and at least this often to see
 * a changed system clock or a machine that slept.
 */
const MAX_SLEEP_MS = 20_000;
const MAX_SKIPPED_KEPT = 200;

const Active = z.object({ runId: z.string(), worker: z.string(), startedAt: z.string(), scheduledFor: z.string().nullable() });
const Job = z.object({
  schedule: Schedule,
  deployedAt: z.string(),
  /** The latest timetable slot already handled (run, skipped or left as missed). */
  handledUntil: z.string(),
  active: Active.nullable(),
});
const LocalState = z.object({
  jobs: z.record(z.string(), Job),
  skipped: z.array(z.object({ job: z.string(), scheduledFor: z.string(), at: z.string(), runningRunId: z.string() })),
});
type LocalState = z.infer<typeof LocalState>;
type Job = z.infer<typeof Job>;

export const LOCAL_DOCUMENT: DocumentSpec<LocalState> = {
  name: 'schedules-local',
  version: 1,
  schema: LocalState,
  defaults: () => ({ jobs: {}, skipped: [] }),
  holds: 'the state of schedules run on this computer (when each last ran and the runs skipped)',
};

export interface LocalBackendOptions {
  store: DocumentStore;
  /** <data>: code copies go to <data>/schedules/code/JOB/, output to <data>/published/JOB/. */
  dataDir: string;
  transports: (workerId: string) => Promise<Transport>;
  runtime: WorkerRuntime;
  now?: () => Date;
  /** A run started or ended, a slot was skipped: the schedule list and history changed. */
  onChange?: (name: string) => void;
  onRunEnded?: (record: RunRecord) => void;
  pollMs?: number;
  tickMs?: number;
  /** The data folder scheduled jobs read (their DATA_DIR): the data set the workbench's jobs read by default. */
  jobDataDir?: () => string;
  /** For a run on this computer whose data is in S3: the active AWS profile's variables (see runnerS3Env). */
  s3Env?: () => Promise<Record<string, string | undefined>>;
}

/**
 * The app as the scheduler, while it is open: schedules are mirrored in their own document (as
 * EventBridge would hold them), checked against the clock every few seconds, and run through
 * run-job.sh on this computer or a worker. Never two runs of one job at once.
 */
export class LocalScheduleBackend implements ScheduleBackend {
  readonly kind = 'local' as const;
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<void>>();
  private ticking: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;

  constructor(private readonly options: LocalBackendOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get publishedRoot(): string {
    return join(this.options.dataDir, 'published');
  }

  private codeDir(name: string): string {
    return join(this.options.dataDir, 'schedules', 'code', name);
  }

  async deploy(schedule: Schedule, tarballPath: string): Promise<void> {
    if (schedule.bucket) throw new WorkbenchError('BAD_INPUT', 'The local backend publishes into the app\'s data folder; publishing to an S3 bucket needs the AWS backend. Leave the bucket empty or choose AWS.');
    // A Spark package needs Spark where it runs: checked now, not at every run. An unreadable tarball is said by the copy below.
    if ((await packageEngine(tarballPath).catch(() => 'local')) === 'spark') await this.checkSpark(schedule.worker);
    // The schedule runs the code as it was when scheduled, not whatever the file becomes later;
    // the copy is checked by the package rules when saved, as its runs will check it.
    const dir = await makeOwnFolder(this.options.dataDir, this.codeDir(schedule.name));
    // Its output goes to <data>/published/JOB: a link planted there is refused now, not at the run.
    await makeOwnFolder(this.options.dataDir, join(this.publishedRoot, schedule.name));
    const partial = join(dir, `.code.tar.gz.${process.pid}.partial`);
    await rm(partial, { force: true });
    try {
      await copyCheckedPackage(tarballPath, partial);
    } catch (err) {
      await rm(partial, { force: true });
      if (!(err instanceof WorkbenchError) || err.code === 'NOT_FOUND') {
        const cause = (err instanceof WorkbenchError ? err.cause : err) as NodeJS.ErrnoException | undefined;
        throw new WorkbenchError('NOT_FOUND', `The code tarball ${tarballPath} cannot be read (${cause?.code ?? cause?.message}); build it in the Packager or choose another file.`);
      }
      throw new WorkbenchError(err.code, `The code tarball was not saved: ${err.message} Build it in the Packager or choose another file.`);
    }
    await rename(partial, join(dir, 'code.tar.gz'));
    const at = this.now().toISOString();
    await this.options.store.update(LOCAL_DOCUMENT, (state) => ({
      ...state,
      jobs: { ...state.jobs, [schedule.name]: { schedule, deployedAt: at, handledUntil: at, active: state.jobs[schedule.name]?.active ?? null } },
    }));
    await this.arm();
  }

  async remove(name: string): Promise<void> {
    await this.options.store.update(LOCAL_DOCUMENT, (state) => {
      const { [name]: _gone, ...jobs } = state.jobs;
      return { jobs, skipped: state.skipped.filter((s) => s.job !== name) };
    });
    await rm(this.codeDir(name), { recursive: true, force: true });
    await this.arm();
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    const at = this.now().toISOString();
    await this.updateJob(name, (job) => ({
      ...job,
      schedule: { ...job.schedule, enabled },
      // Slots that passed while disabled are not run when enabled again.
      handledUntil: enabled && !job.schedule.enabled ? at : job.handledUntil,
    }));
    await this.arm();
  }

  async runNow(schedule: Schedule): Promise<string> {
    const job = (await this.state()).jobs[schedule.name];
    if (!job) throw new WorkbenchError('NOT_FOUND', `The schedule ${schedule.name} is not deployed on this computer.`);
    if (job.active) throw new WorkbenchError('BAD_INPUT', `${schedule.name} is running now (run ${job.active.runId}); wait for it to end: two runs of one job never overlap.`);
    return this.startRun(job, null);
  }

  async history(name: string): Promise<RunRecord[]> {
    const dir = join(this.publishedRoot, name, 'runs');
    const files = await readdir(dir).catch(() => [] as string[]);
    const records: RunRecord[] = [];
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      try {
        const parsed = RunRecord.safeParse(JSON.parse(await readFile(join(dir, file), 'utf8')));
        if (parsed.success) records.push(parsed.data);
      } catch {
        // A half-written or foreign file is not a run record; it is not shown.
      }
    }
    return records.sort(newestRunFirst);
  }

  locate(record: RunRecord): { log: string; output: string } {
    return { log: join(this.publishedRoot, record.log), output: join(this.publishedRoot, record.output) };
  }

  async readLog(name: string, runId: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) throw new WorkbenchError('BAD_INPUT', `"${runId}" is not a run id.`);
    try {
      const { tail, truncated } = await gunzipTail(createReadStream(join(this.publishedRoot, name, 'logs', `${runId}.log.gz`)), maxBytes);
      return { text: tail.toString('utf8'), truncated };
    } catch {
      throw new WorkbenchError('NOT_FOUND', `There is no log of run ${runId} of ${name} (yet).`);
    }
  }

  async pendingRows(name: string): Promise<HistoryRow[]> {
    const state = await this.state();
    const active = state.jobs[name]?.active;
    const rows = state.skipped
      .filter((s) => s.job === name)
      .map((s) => rowWithoutRecord({ status: 'skipped', runId: null, scheduledFor: s.scheduledFor, startedAt: null, message: `Skipped: run ${s.runningRunId} of this job was still going.` }));
    if (active) rows.push(rowWithoutRecord({ status: 'running', runId: active.runId, scheduledFor: active.scheduledFor, startedAt: active.startedAt, message: null }));
    return rows;
  }

  /** Picks up runs that were going when the app stopped, catches up, and starts the clock. */
  async start(): Promise<void> {
    for (const job of Object.values((await this.state()).jobs)) {
      if (job.active && !this.running.has(job.schedule.name)) this.follow(job, job.active, true);
    }
    this.started = true;
    await this.tick();
    await this.arm();
  }

  stop(): void {
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Sets the clock to wake at the next run's time of any enabled schedule (MAX_SLEEP_MS at most). */
  private async arm(): Promise<void> {
    if (!this.started) return;
    const now = this.now().getTime();
    let next = now + (this.options.tickMs ?? MAX_SLEEP_MS);
    for (const job of Object.values((await this.state()).jobs)) {
      const due = job.schedule.enabled ? nextRuns(job.schedule, new Date(Math.max(now, Date.parse(job.handledUntil))), 1)[0] : undefined;
      if (due) next = Math.min(next, due.getTime());
    }
    if (this.timer) clearTimeout(this.timer);
    if (!this.started) return;
    this.timer = setTimeout(() => void this.tick().catch(() => undefined).then(() => this.arm()), Math.max(0, next - now));
    this.timer.unref?.();
  }

  /** Resolves when no run is going (tests and shutdown wait on it). */
  async whenIdle(): Promise<void> {
    await this.ticking;
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  /** Runs what is due now; serialised, so two ticks never start the same slot twice. */
  tick(): Promise<void> {
    const next = this.ticking.then(() => this.tickNow());
    this.ticking = next.catch(() => undefined);
    return next;
  }

  private async tickNow(): Promise<void> {
    const now = this.now();
    for (const job of Object.values((await this.state()).jobs)) {
      if (!job.schedule.enabled) continue;
      const due = runsBetween(job.schedule, new Date(job.handledUntil), now);
      const latest = due[due.length - 1];
      if (!latest) continue;
      const name = job.schedule.name;
      await this.updateJob(name, (j) => ({ ...j, handledUntil: latest.toISOString() }));
      if (now.getTime() - latest.getTime() > CATCH_UP_HOURS * 3_600_000) continue; // stays missed
      if (job.active) {
        const skipped = { job: name, scheduledFor: latest.toISOString(), at: now.toISOString(), runningRunId: job.active.runId };
        await this.options.store.update(LOCAL_DOCUMENT, (s) => ({ ...s, skipped: [...s.skipped, skipped].slice(-MAX_SKIPPED_KEPT) }));
        this.options.onChange?.(name);
        continue;
      }
      await this.startRun({ ...job, handledUntil: latest.toISOString() }, latest);
    }
  }

  private async startRun(job: Job, scheduledFor: Date | null): Promise<string> {
    const name = job.schedule.name;
    // A run folder on the worker, named like any run's.
    const runId = newRunId(this.now(), randomBytes(3).toString('hex'));
    const active = { runId, worker: job.schedule.worker, startedAt: this.now().toISOString(), scheduledFor: scheduledFor?.toISOString() ?? null };
    await this.updateJob(name, (j) => {
      if (j.active) throw new WorkbenchError('BAD_INPUT', `${name} is running now (run ${j.active.runId}); two runs of one job never overlap.`);
      return { ...j, active };
    });
    this.follow(job, active, false);
    this.options.onChange?.(name);
    return runId;
  }

  private follow(job: Job, active: z.infer<typeof Active>, resume: boolean): void {
    const name = job.schedule.name;
    const run: ScheduledRun = {
      schedule: job.schedule,
      runId: active.runId,
      scheduledFor: active.scheduledFor ? new Date(active.scheduledFor) : null,
      tarball: join(this.codeDir(name), 'code.tar.gz'),
      publishedDir: join(this.publishedRoot, name),
      dataDir: this.options.dataDir,
      local: active.worker === 'local',
      jobDataDir: job.schedule.dataSource ?? this.options.jobDataDir?.(),
    };
    const work = (async () => {
      if (run.local && isS3Location(run.jobDataDir ?? '')) run.jobEnv = await this.options.s3Env?.();
      const transport = await this.options.transports(active.worker);
      return resume
        ? resumeScheduledJob(transport, run, new Date(active.startedAt), this.options.pollMs)
        : runScheduledJob(transport, this.options.runtime, run, this.options.pollMs);
    })();
    const done = work
      .catch((err: unknown) => writeOwnRecord(run, new Date(active.startedAt), null, `The worker ${active.worker} could not be reached: ${(err as Error).message}`, ''))
      // Not even a record could be written (a link planted in <data>/published, say): said here.
      .catch((err: unknown) => console.error(`workbench: the run ${active.runId} of ${name} left no record: ${(err as Error).message}`))
      .then(async (record) => {
        await this.updateJob(name, (j) => (j.active?.runId === active.runId ? { ...j, active: null } : j)).catch(() => undefined);
        this.running.delete(name);
        if (record) this.options.onRunEnded?.(record);
        this.options.onChange?.(name);
      });
    this.running.set(name, done);
  }

  /**
   * Refuses, saying what to install, when the worker cannot run a Spark job: this computer needs
   * a Python with pyspark (the repository's .venv) and Java; another worker, pyspark for its
   * python3 and Java, checked as a Jobs run on Spark checks them.
   */
  private async checkSpark(worker: string): Promise<void> {
    if (worker === 'local') {
      await sparkPathFolder('The package');
      return;
    }
    await new WorkerCheck().pythonFor(await this.options.transports(worker), `The worker ${worker}`, 'spark', false);
  }

  private state(): Promise<LocalState> {
    return this.options.store.read(LOCAL_DOCUMENT);
  }

  private async updateJob(name: string, change: (job: Job) => Job): Promise<void> {
    await this.options.store.update(LOCAL_DOCUMENT, (state) => {
      const job = state.jobs[name];
      if (!job) throw new WorkbenchError('NOT_FOUND', `The schedule ${name} is not deployed on this computer.`);
      return { ...state, jobs: { ...state.jobs, [name]: change(job) } };
    });
  }

}
