import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { isS3Location, parseS3Url, S3_URL_MESSAGE } from '../../../shared/data-source.ts';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { z } from 'zod';
import { newRunId, Run, RunRequest, type LogChunk } from '../../../shared/model.ts';
import type { Engine } from '../../../shared/packager-model.ts';
import { JobCommand, type RunRecordStatus } from '../../../shared/schedule.ts';
import type { EventBus } from '../../bus.ts';
import { shellQuote } from '../packager/wrapper.ts';
import type { Transport } from '../workers/transport.ts';
import { ExampleCatalog } from './examples.ts';
import { Follower } from './follower.ts';
import { completeLogLength, isRunAlive, launchRun, readExitCode, readLog, readLogTail, runDirOf, signalRun } from './job-protocol.ts';
import { checkFilterJson, checkScript, folderBytes, formatMinutes, IGNORED, resolveSource, runnerArgv, slug } from './job-source.ts';
import { completeLines, tailForPeople } from './log-lines.ts';
import { OutputDownloads } from './output-downloads.ts';
import type { FetchSession } from './output-fetch.ts';
import { jobOutputTail, readRunRecord, stageRunJob } from './run-job.ts';
import { RunResults } from './run-results.ts';
import { retryWhileUnreachable } from './retry-unreachable.ts';
import type { RunStore } from './run-store.ts';
import type { WorkerRuntime } from './runtime.ts';
import { WorkerCheck, type EngineStatus } from './worker-check.ts';
import { deadlineWarning } from './worker-deadline.ts';

const POLL_MS = 200;
const LOG_SLICE = 1024 * 1024;
const KILL_GRACE_MS = 10_000;

export interface JobServiceOptions {
  bus: EventBus;
  runs: RunStore;
  runtime: WorkerRuntime;
  examples: ExampleCatalog;
  /** Workers by id; 'local' is this computer. */
  transports: (workerId: string) => Transport | Promise<Transport>;
  /** Where downloaded outputs go on this computer: `<resultsDir>/<runId>/`. */
  resultsDir: string;
  /** Copies files of a worker to this computer (verified, resumable over SSH). */
  openFetch: (workerId: string, transport: Transport) => Promise<FetchSession>;
  /** Whether a remote run's output is downloaded as soon as it succeeds (a setting). */
  autoDownload?: () => Promise<boolean>;
  /** The size limit (GiB) of the runner's S3 cache, from Settings; unset: the runner's own default. */
  s3CacheGb?: () => Promise<number>;
  /** An EC2 worker's deadline (ISO time); undefined for workers that live on. */
  workerDeadline?: (workerId: string) => Promise<string | undefined>;
  /** A worker's name for messages. */
  workerName?: (workerId: string) => Promise<string>;
  /**
   * The Spark master of a worker that has one of its own (a Spark cluster's master node: YARN);
   * undefined for the others, whose Spark runs are a local Spark there. Runs on such a worker
   * are Spark runs.
   */
  sparkMaster?: (workerId: string) => string | undefined;
  /** The data set used when a request names none. */
  defaultDataDir: () => string;
  /**
   * The environment a runner on THIS computer needs to read an S3 data source: the active AWS
   * profile and region of Settings (AWS_PROFILE, or the app's stored keys as variables of that
   * process only). Remote workers never get it: they read with their own credentials.
   */
  s3Env?: () => Promise<Record<string, string | undefined>>;
  /** Checks packaged jobs for runs whose source is a package (the packager's Test run). */
  packages?: PackageChecker;
  now?: () => Date;
  pollMs?: number;
}

/**
 * Runs map/reduce jobs on workers and follows them: starts a run detached, streams its log
 * and progress as events, cancels it, and collects its output when it ends. Runs that were
 * going when the app stopped are picked up again by `reattach`.
 */
export class JobService {
  private readonly followers = new Map<string, Follower>();
  private readonly now: () => Date;
  private readonly checks: WorkerCheck;
  private readonly outputs: OutputDownloads;
  /** Finished runs' output: listing, downloads, the result viewer's text. */
  readonly results: RunResults;

  constructor(private readonly options: JobServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.checks = new WorkerCheck({ sparkHomeProgram: join(options.runtime.sourceDir, 'mapreduce', 'sparkhome.py') });
    this.outputs = new OutputDownloads({ resultsDir: options.resultsDir, openFetch: options.openFetch, save: (run) => this.save(run) });
    this.results = new RunResults(this, this.outputs, (run) => this.save(run));
  }

  list(): Promise<Run[]> {
    return this.options.runs.list();
  }

  /**
   * One run. A run recorded as running that no follower here watches (the command line that
   * started it was killed, or the app was closed) is looked up on its worker first, so a run that
   * ended meanwhile is finished now instead of saying running forever.
   */
  async get(runId: string): Promise<Run> {
    const run = await this.options.runs.get(runId);
    if (!run) throw new WorkbenchError('NOT_FOUND', `There is no run ${runId}.`);
    return run.status === 'running' && !this.followers.has(run.id) ? this.settleUnfollowed(run) : run;
  }

  /**
   * Follows a running run that no one here follows yet (`workbench attach`): its log is handed
   * on from the start, or from the end of its last complete line, and it is finished when it ends.
   */
  async attach(runId: string, from: 'start' | 'now'): Promise<Run> {
    const run = await this.get(runId);
    if (run.status !== 'running' || this.followers.has(run.id)) return run;
    if (startingElsewhere(run)) {
      throw new WorkbenchError('UNAVAILABLE', `Run ${run.id} is still being started (its job is being uploaded); attach once it runs.`, { retryable: true });
    }
    const transport = await this.options.transports(run.worker);
    this.follow(run, transport, from === 'start' ? 0 : await completeLogLength(transport, runDirOf(transport, run.id)));
    return run;
  }

  /**
   * Starts a run of any source: its job is checked (a refused request leaves no record), the run
   * is recorded, its code is set up on the worker and launched detached, then followed. A
   * failure once it is recorded ends the run as failed with the reason (so history tells the
   * truth) and is thrown.
   */
  async start(raw: RunRequest): Promise<Run> {
    const request = this.onItsEngine(RunRequest.parse(raw));
    await this.refuseFolderOnCluster(request);
    const transport = await this.options.transports(request.worker);
    const job = request.source.kind === 'package' ? await this.packageJob(request, request.source.path, transport) : await this.mapReduceJob(request, transport);
    const env = request.worker === 'local' && isS3Location(job.request.dataDir ?? '') ? await this.options.s3Env?.() : undefined;
    const id = newRunId(this.now(), randomBytes(3).toString('hex'));
    const runDir = runDirOf(transport, id);
    let run: Run = Run.parse({
      id,
      worker: request.worker,
      jobName: job.name,
      request: job.request,
      status: 'running',
      createdAt: this.now().toISOString(),
      // Also what tells other processes that the run is not launched yet (see startingElsewhere).
      progress: { phase: 'upload', bytes: 0, bytes_total: job.uploadBytes },
      ...(job.outputDir === undefined ? {} : { outputDir: job.outputDir }),
      ...(await this.deadlineOf(request.worker, request.timeoutMinutes)),
    });
    // In history from here on, so the upload's progress shows on the run.
    await this.save(run);
    try {
      const runtimeDir = await this.options.runtime.ensure(transport);
      const launch = await job.setUp(transport, { id, dir: runDir }, runtimeDir, (uploaded) => {
        run = { ...run, progress: { phase: 'upload', bytes: uploaded, bytes_total: Math.max(job.uploadBytes, uploaded) } };
        this.options.bus.emit('jobs:run', run, run.id);
      });
      const { progress: _uploadDone, ...started } = run;
      run = started;
      await transport.writeFile(posix.join(runDir, 'meta.json'), `${JSON.stringify(run, null, 2)}\n`);
      await launchRun(transport, runtimeDir, runDir, launch.timeoutSeconds, launch.argv, env);
    } catch (err) {
      const { progress: _stopped, ...rest } = run;
      await this.save({ ...rest, status: 'failed', finishedAt: this.now().toISOString(), message: `The run could not be started: ${(err as Error).message}` });
      throw err;
    }
    await this.save(run);
    this.follow(run, transport, 0);
    return run;
  }

  /** A map/reduce job of an example or a folder, run by the bundled runner on the data set. */
  private async mapReduceJob(request: ParsedRunRequest, transport: Transport): Promise<RunnableJob> {
    const source = await resolveSource(request, this.options.examples);
    const script = await checkScript(source.dir, request.script);
    const filterText = request.filter ?? (await readFile(join(source.dir, 'filter.json'), 'utf8').catch(() => undefined));
    if (filterText === undefined) {
      throw new WorkbenchError('BAD_INPUT', `${source.dir} has no filter.json; write a filter for the job or add that file.`);
    }
    checkFilterJson(filterText);
    const dataDir = request.dataDir ?? this.options.defaultDataDir();
    const python = await this.checks.pythonFor(transport, await this.nameOf(request.worker), request.engine, request.worker === 'local');
    if (isS3Location(dataDir)) checkS3DataDir(dataDir);
    else if (!(await transport.exists(dataDir))) {
      throw new WorkbenchError('NOT_FOUND', `The data set ${dataDir} does not exist on the worker. Generate the sample data (in the Jobs view, or with: workbench sample-data) or choose another folder.`);
    }
    return {
      name: source.name,
      request: { ...request, dataDir },
      uploadBytes: await folderBytes(source.dir),
      setUp: async (worker, { dir: runDir }, runtimeDir, uploaded) => {
        await worker.mkdir(posix.join(runDir, 'output'));
        let bytes = 0;
        await worker.uploadDir(source.dir, posix.join(runDir, 'code'), {
          ignore: (path) => IGNORED.test(path),
          onFile: (_path, fileBytes) => uploaded((bytes += fileBytes)),
        });
        await worker.writeFile(posix.join(runDir, 'filter.json'), filterText);
        const s3CacheGb = isS3Location(dataDir) ? await this.options.s3CacheGb?.() : undefined;
        const sparkMaster = this.options.sparkMaster?.(request.worker);
        const argv = runnerArgv(runtimeDir, { script, name: source.name, dataDir, mappers: request.mappers, reducers: request.reducers, sorted: request.sorted, engine: request.engine, python, s3CacheGb, ...(sparkMaster ? { sparkMaster } : {}) });
        return { argv, timeoutSeconds: Math.max(1, Math.round(request.timeoutMinutes * 60)) };
      },
    };
  }

  /**
   * A packaged job (the packager's Test run), run exactly as a scheduled run is: run-job.sh
   * fetches the tarball, unpacks it safely, runs the package's own command in the run
   * environment (DATA_DIR: the request's data set; OUTPUT_DIR) and publishes the output into the
   * run's own published/ folder, whose data/ is the run's output. Its log is the run's log.
   */
  private async packageJob(request: ParsedRunRequest, path: string, transport: Transport): Promise<RunnableJob> {
    const packages = this.options.packages;
    if (!packages) throw new WorkbenchError('BAD_INPUT', 'Packages cannot be run here.');
    const tarball = resolve(path);
    // On this computer the run unpacks it under the worker folder: one too big for that disk is refused now.
    const { name, command, outputDir } = await packages.checkForRun(tarball, request.worker === 'local' ? transport.root : undefined);
    // The package's argv as the one command line a schedule holds, each word quoted.
    const line = command.map(shellQuote).join(' ');
    const checked = JobCommand.safeParse(line);
    if (!checked.success) {
      throw new WorkbenchError('BAD_INPUT', `The package's command cannot be run as a scheduled job runs it: it must be ${checked.error.issues[0]?.message}. Put the steps into run.sh and make the command sh run.sh.`);
    }
    const dataDir = request.dataDir ?? this.options.defaultDataDir();
    if (isS3Location(dataDir)) checkS3DataDir(dataDir);
    return {
      name: slug(name),
      request: { ...request, source: { kind: 'package', path: tarball }, dataDir },
      uploadBytes: (await stat(tarball)).size,
      outputDir: posix.join(TEST_RUN_PUBLISHED, 'data'),
      setUp: async (worker, run, runtimeDir, uploaded) => {
        await worker.mkdir(run.dir);
        return stageRunJob(
          worker,
          runtimeDir,
          run.dir,
          {
            job: slug(name).slice(0, 63).replace(/-+$/, '') || 'job',
            runId: run.id,
            tarball,
            command: line,
            outputDir,
            timeoutSeconds: request.timeoutMinutes * 60,
            publish: posix.join(run.dir, TEST_RUN_PUBLISHED),
            visibility: 'private',
            dataDir,
          },
          uploaded,
        );
      },
    };
  }

  /**
   * Which engines a worker can run jobs on now; for one it cannot, why and what to install there.
   * A Spark cluster runs Spark only: its local engine is refused, saying so.
   */
  async engines(workerId: string): Promise<Record<Engine, EngineStatus>> {
    const transport = await this.options.transports(workerId);
    const name = await this.nameOf(workerId);
    if (this.options.sparkMaster?.(workerId)) {
      const spark = (await this.checks.engines(transport, name, false)).spark;
      return { local: { available: false, reason: sparkOnlyMessage(name) }, spark };
    }
    return this.checks.engines(transport, name, workerId === 'local');
  }

  /**
   * A map/reduce run on a worker with a Spark master of its own (a Spark cluster) is a Spark
   * run, whatever engine the request names (the contract's default is the local engine).
   */
  private onItsEngine(request: ParsedRunRequest): ParsedRunRequest {
    if (!this.options.sparkMaster?.(request.worker) || request.source.kind === 'package') return request;
    return { ...request, engine: 'spark' };
  }

  /**
   * On a cluster the map tasks run on its core nodes, which cannot read a folder on the master:
   * such a run is refused before anything is uploaded (the runner refuses it too, later).
   * A local Spark master (`local`, `local[N]`) shares the driver's files and may read one.
   */
  private async refuseFolderOnCluster(request: ParsedRunRequest): Promise<void> {
    const master = this.options.sparkMaster?.(request.worker);
    if (!master || /^local(\[[^\]]*\])?$/.test(master) || request.source.kind === 'package') return;
    const dataDir = request.dataDir ?? '';
    if (isS3Location(dataDir)) return;
    const name = await this.nameOf(request.worker);
    throw new WorkbenchError(
      'BAD_INPUT',
      `${name} is a Spark cluster: its map tasks run on the core nodes, which cannot read ${dataDir === '' ? 'a folder' : dataDir} on the master. Choose an S3 data source (s3://BUCKET/PREFIX; 'workbench sample-data --to s3://...' puts the sample set there).`,
    );
  }

  /** A piece of the log from `offset`: whole lines only while the run is live. */
  async readLog(runId: string, offset: number, limit = LOG_SLICE): Promise<LogChunk> {
    const run = await this.get(runId);
    const transport = await this.options.transports(run.worker);
    const slice = await readLog(transport, runDirOf(transport, runId), offset, limit);
    const ended = run.status !== 'running';
    const data = slice ? (ended ? slice.data : completeLines(slice.data)) : Buffer.alloc(0);
    const nextOffset = offset + data.length;
    return { runId, offset, nextOffset, text: data.toString('utf8'), done: ended && (!slice || nextOffset >= slice.size) };
  }

  async cancel(runId: string): Promise<Run> {
    const run = await this.get(runId);
    if (run.status !== 'running') return run;
    const transport = await this.options.transports(run.worker);
    const follower = this.followers.get(runId);
    if (follower) follower.cancelRequested = true;
    const runDir = runDirOf(transport, runId);
    const signalled = await signalRun(transport, runDir, 'TERM');
    if (!signalled && !follower) return this.finish(run, transport, undefined, true);
    // A job that ignores SIGTERM gets SIGKILL after a grace period.
    setTimeout(() => {
      void isRunAlive(transport, runDir).then((alive) => (alive ? signalRun(transport, runDir, 'KILL') : false)).catch(() => false);
    }, KILL_GRACE_MS).unref();
    return run;
  }

  /**
   * The worker no longer exists (removed, terminated): its running runs end as worker-gone,
   * and finished runs whose output was not downloaded are marked as having lost it.
   */
  async workerGone(workerId: string, reason: string): Promise<void> {
    for (const run of await this.options.runs.list()) {
      if (run.worker !== workerId) continue;
      if (run.status === 'running') {
        this.followers.get(run.id)?.stop();
        this.followers.delete(run.id);
        await this.save({ ...run, status: 'worker-gone', finishedAt: this.now().toISOString(), message: reason, ...(run.outputs.every((o) => o.downloaded) ? {} : { resultsLost: true }) });
      } else if (run.status !== 'worker-gone' && !run.resultsLost && run.outputs.some((o) => !o.downloaded)) {
        await this.save({ ...run, resultsLost: true });
      }
    }
  }

  /** After a restart: follow runs that are still going, finish those that ended meanwhile. */
  async reattach(): Promise<void> {
    for (const run of await this.options.runs.list()) {
      if (run.status !== 'running' || this.followers.has(run.id)) continue;
      const transport = await this.workerOf(run);
      if (!transport) continue;
      const runDir = runDirOf(transport, run.id);
      if ((await readExitCode(transport, runDir)) !== undefined || (await isRunAlive(transport, runDir))) {
        this.follow(run, transport, 0);
      } else {
        await this.endStopped(run, transport);
      }
    }
  }

  /** The run's worker; undefined when it cannot be reached now (or no longer exists: then its runs end). */
  private async workerOf(run: Run): Promise<Transport | undefined> {
    try {
      return await this.options.transports(run.worker);
    } catch (err) {
      // A worker that was removed is gone; one that cannot be reached now is looked at later.
      if (err instanceof WorkbenchError && err.code === 'NOT_FOUND') await this.workerGone(run.worker, `The worker ${run.worker} no longer exists; the run ended with it.`);
      return undefined;
    }
  }

  /** A run that is neither running nor has an exit code: its folder went, or it was stopped without one. */
  private async endStopped(run: Run, transport: Transport): Promise<void> {
    const runDir = runDirOf(transport, run.id);
    if (!(await transport.exists(runDir))) {
      await this.runDirGone(run, runDir);
    } else {
      await this.save({ ...run, status: 'lost', finishedAt: this.now().toISOString(), message: 'The run stopped without recording an exit code (was the worker restarted?).' });
    }
  }

  /**
   * A running run no follower here watches, as its worker says it is now: finished (its output
   * listed) when it has an exit code, unchanged while it runs or while its worker cannot be reached.
   */
  private async settleUnfollowed(run: Run): Promise<Run> {
    if (startingElsewhere(run)) return run;
    const transport = await this.workerOf(run);
    if (!transport) return (await this.options.runs.get(run.id)) ?? run;
    try {
      const runDir = runDirOf(transport, run.id);
      const code = await readExitCode(transport, runDir);
      // Its end is recorded without downloading from a worker: a look at a run (a listing) must
      // not set off a download of its output; attach and jobs:download fetch it.
      if (code !== undefined) return await this.finish(run, transport, code, false, false);
      if (await isRunAlive(transport, runDir)) return run;
      await this.endStopped(run, transport);
      return (await this.options.runs.get(run.id)) ?? run;
    } catch {
      // The worker is unreachable: the record stays as it is until it can be asked.
      return run;
    }
  }

  /** Stops following (the runs themselves go on). */
  close(): void {
    for (const follower of this.followers.values()) follower.stop();
    this.followers.clear();
  }

  private follow(run: Run, transport: Transport, offset: number): void {
    const follower = new Follower(run, transport, offset, this.options.pollMs ?? POLL_MS, {
      chunk: (chunk) => this.options.bus.emit('jobs:log', chunk, run.id),
      progress: (current) => this.options.bus.emit('jobs:run', current, run.id),
      ended: async (code, cancelled) => {
        // Still counted as followed while it is finished, so `get` does not finish it a second time.
        try {
          await this.finish(follower.run, transport, code, cancelled);
        } finally {
          this.followers.delete(run.id);
        }
      },
      // The run keeps going on the worker; only our view of it is interrupted.
      unreachable: (err) => {
        follower.run = { ...follower.run, message: `The worker cannot be reached (${err.message}); the run goes on there and is followed again when it can be.` };
        void this.save(follower.run);
      },
      reachable: () => {
        const { message: _gone, ...rest } = follower.run;
        follower.run = rest;
        void this.save(follower.run);
      },
      vanished: async () => {
        this.followers.delete(run.id);
        await this.runDirGone(follower.run, runDirOf(transport, run.id));
      },
    });
    this.followers.set(run.id, follower);
    follower.start();
  }

  private async runDirGone(run: Run, runDir: string): Promise<void> {
    await this.save({ ...run, status: 'worker-gone', finishedAt: this.now().toISOString(), message: `The run's folder ${runDir} is gone from the worker (deleted, or the worker was replaced); its log and output went with it.`, resultsLost: true });
  }

  private async finish(ran: Run, transport: Transport, launchCode: number | undefined, cancelled = false, mayDownload = true): Promise<Run> {
    const runDir = runDirOf(transport, ran.id);
    // A Test run ends as run-job.sh recorded it (launch.sh's exit code is run-job.sh's own).
    const recorded = ran.request.source.kind === 'package' && !cancelled ? await this.recordedEnd(ran, transport) : undefined;
    const run = recorded ? { ...ran, outputDir: recorded.outputDir } : ran;
    const code = recorded ? recorded.exitCode : launchCode;
    const started = Date.parse(run.createdAt);
    const timeoutMs = RunRequest.parse(run.request).timeoutMinutes * 60_000;
    const timedOut = recorded ? recorded.status === 'timed-out' : code === 124 || (code === 137 && this.now().getTime() - started >= timeoutMs);
    const succeeded = recorded ? recorded.status === 'succeeded' : code === 0;
    const status = cancelled ? 'cancelled' : succeeded ? 'succeeded' : timedOut ? 'timed-out' : code === undefined && !recorded ? 'lost' : 'failed';
    let outputs: Run['outputs'] = [];
    let message: string | undefined;
    try {
      outputs = (await retryWhileUnreachable(() => this.outputs.list(run, transport))) ?? [];
    } catch (err) {
      message = `The output could not be listed: ${(err as Error).message}`;
    }
    if (status === 'failed' && recorded) {
      const tail = jobOutputTail(await readLogTail(transport, runDir, 8192), run.id);
      message = `${recorded.message ?? `Exited with code ${code}.`}${tail ? `\n${tail}` : ''}`;
    } else if (status === 'failed') {
      const tail = tailForPeople(await readLogTail(transport, runDir, 8192));
      message = `Exited with code ${code}.${tail ? `\n${tail}` : ''}`;
    } else if (status === 'timed-out') {
      message = `Stopped after its timeout of ${formatMinutes(RunRequest.parse(run.request).timeoutMinutes)}.`;
    } else if (status === 'cancelled') {
      message = 'Cancelled.';
    } else if (status === 'succeeded' && outputs.length === 0) {
      message ??= recorded?.message ?? (run.request.source.kind === 'package' ? 'Finished, but wrote nothing to its output folder.' : 'Finished, but wrote no output (did the filter match any data?).');
    }
    let finished: Run = { ...run, status, ...(code === undefined ? {} : { exitCode: code }), finishedAt: this.now().toISOString(), outputs, ...(message ? { message } : {}) };
    // This computer's runs are always copied into the results folder; a remote run's output
    // stays on the worker until asked for, or comes at once after a success when the setting
    // says so. Then the run shows its end once the output is here, with the download's progress till then.
    const fetchNow = outputs.length > 0 && (run.worker === 'local' || (mayDownload && status === 'succeeded' && (await (this.options.autoDownload?.() ?? Promise.resolve(true)))));
    if (fetchNow) {
      const progress = (bytes: number, total: number) => this.options.bus.emit('jobs:run', { ...run, progress: { ...run.progress, phase: 'download', bytes, bytes_total: total } }, run.id);
      try {
        finished = await retryWhileUnreachable(() => this.outputs.download(finished, transport, undefined, progress));
      } catch (err) {
        finished = { ...finished, message: `${message ? `${message}\n` : ''}The output stays on the worker: downloading it failed (${(err as Error).message}).` };
      }
    }
    await this.save(finished);
    return finished;
  }

  /**
   * How run-job.sh says a Test run ended, from the record it wrote into the run's published/
   * folder: the status, the job's own exit code, why, and where its output was published (a
   * folder of the run). Undefined when it left no record (it was killed, or could not start).
   */
  private async recordedEnd(run: Run, transport: Transport): Promise<RecordedEnd | undefined> {
    const runDir = runDirOf(transport, run.id);
    const record = await retryWhileUnreachable(() => readRunRecord(transport, posix.join(runDir, TEST_RUN_PUBLISHED, 'runs', `${run.id}.json`))).catch(() => undefined);
    if (!record) return undefined;
    // The record names the output relative to the folder holding DEST, which is the run's folder.
    const output = posix.normalize(record.output.replace(/\/+$/, ''));
    const inside = output === TEST_RUN_PUBLISHED || output.startsWith(`${TEST_RUN_PUBLISHED}/`);
    return {
      status: record.status,
      exitCode: record.exitCode ?? undefined,
      message: record.message ?? undefined,
      outputDir: inside ? output : posix.join(TEST_RUN_PUBLISHED, 'data'),
    };
  }

  /** The run's worker, or worker-gone when the worker no longer exists. */
  async reach(run: Run): Promise<Transport> {
    try {
      return await this.options.transports(run.worker);
    } catch (err) {
      if (err instanceof WorkbenchError && err.code === 'NOT_FOUND') {
        await this.workerGone(run.worker, `The worker ${run.worker} no longer exists.`);
        throw new WorkbenchError('NOT_FOUND', `The worker of run ${run.id} no longer exists; its output went with it.`);
      }
      throw err;
    }
  }

  private async nameOf(workerId: string): Promise<string> {
    if (workerId === 'local') return 'This computer';
    return (await this.options.workerName?.(workerId).catch(() => undefined)) ?? `The worker ${workerId}`;
  }

  /** For EC2 workers: the deadline recorded on the run, and a warning when the timeout outlasts it. */
  private async deadlineOf(workerId: string, timeoutMinutes: number): Promise<Partial<Pick<Run, 'workerDeadline' | 'warnings'>>> {
    const deadline = await this.options.workerDeadline?.(workerId);
    if (!deadline) return {};
    const warning = deadlineWarning(this.now(), timeoutMinutes, deadline, await this.nameOf(workerId));
    return { workerDeadline: deadline, ...(warning ? { warnings: [warning] } : {}) };
  }

  private async save(run: Run): Promise<void> {
    await this.options.runs.put(run);
    this.options.bus.emit('jobs:run', run, run.id);
  }
}

/**
 * A run whose record still shows its upload: the process that saved it is preparing it and has
 * not launched it yet, so its worker has no pid or exit code to look at.
 */
function startingElsewhere(run: Run): boolean {
  return run.progress?.phase === 'upload';
}

export interface PackageChecker {
  /**
   * What a Test run of `tarball` runs: its name, command and output folder (relative to where it
   * is unpacked); refuses unsafe packages, and with `unpackOn` one too big for that folder's disk.
   */
  checkForRun(tarball: string, unpackOn?: string): Promise<{ name: string; command: string[]; outputDir: string }>;
}

/** Where a Test run's run-job.sh publishes, inside the run's folder: data/ (the output), logs/, runs/. */
const TEST_RUN_PUBLISHED = 'published';

/** A Test run's end as its run record says. */
interface RecordedEnd {
  status: RunRecordStatus;
  exitCode: number | undefined;
  message: string | undefined;
  /** The published output, relative to the run's folder. */
  outputDir: string;
}

type ParsedRunRequest = z.output<typeof RunRequest>;

/** Refuses an s3:// data set that is not a well-formed S3 location. */
function checkS3DataDir(dataDir: string): void {
  if (!parseS3Url(dataDir)) throw new WorkbenchError('BAD_INPUT', `The data set ${dataDir} is not ${S3_URL_MESSAGE}.`);
}

/** A job checked and ready to run: what its run records, and how its code is set up in the run dir. */
interface RunnableJob {
  name: string;
  /** The request as the run records it (defaults filled in). */
  request: ParsedRunRequest;
  /** Bytes copied to the worker before launch, for the upload's progress. */
  uploadBytes: number;
  /** The folder collected as output, relative to the run dir, when it is not output/. */
  outputDir?: string;
  /** Puts the job's code into the run's folder on the worker; what launch.sh runs there, and for how long at most. */
  setUp(transport: Transport, run: { id: string; dir: string }, runtimeDir: string, uploaded: (bytes: number) => void): Promise<{ argv: string[]; timeoutSeconds: number }>;
}

function sparkOnlyMessage(workerName: string): string {
  return `${workerName} is a Spark cluster: jobs there run on Spark (over its YARN), not on the runner's own processes. Choose the Spark engine, or run on another worker.`;
}
