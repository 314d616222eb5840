import { randomBytes } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join, normalize, posix, resolve, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { Run, RunRequest, type LogChunk } from '../../../shared/model.ts';
import type { EventHub } from '../../events.ts';
import type { Transport } from '../workers/transport.ts';
import { ExampleCatalog } from './examples.ts';
import { Follower } from './follower.ts';
import { isRunAlive, launchRun, readExitCode, readLog, readLogTail, runDirOf, signalRun } from './job-protocol.ts';
import { completeLines, tailForPeople } from './log-lines.ts';
import type { RunStore } from './run-store.ts';
import type { WorkerRuntime } from './runtime.ts';

/** What is never copied from a job folder into a run. */
const IGNORED = /(^|\/)(\.git|node_modules|__pycache__|\.venv|venv|output)(\/|$)|\.pyc$/;
const POLL_MS = 200;
const LOG_SLICE = 1024 * 1024;
const KILL_GRACE_MS = 10_000;
/** Tries to collect a run's output over a connection that keeps dropping (about 30 s in all). */
const COLLECT_ATTEMPTS = 8;

export interface JobServiceOptions {
  hub: EventHub;
  runs: RunStore;
  runtime: WorkerRuntime;
  examples: ExampleCatalog;
  /** Workers by id; 'local' is this computer. */
  transports: (workerId: string) => Transport | Promise<Transport>;
  /** Where collected outputs go on this computer: `<resultsDir>/<runId>/`. */
  resultsDir: string;
  /** The data set used when a request names none. */
  defaultDataDir: () => string;
  /** Unpacks packaged jobs for runs whose source is a package (the packager's test run). */
  packages?: PackageUnpacker;
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

  constructor(private readonly options: JobServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  list(): Promise<Run[]> {
    return this.options.runs.list();
  }

  async get(runId: string): Promise<Run> {
    const run = await this.options.runs.get(runId);
    if (!run) throw new WorkbenchError('NOT_FOUND', `There is no run ${runId}.`);
    return run;
  }

  async start(raw: RunRequest, explicitWorker?: string): Promise<Run> {
    const request = RunRequest.parse(raw);
    const workerId = explicitWorker ?? request.worker;
    if (request.source.kind === 'package') return this.startPackage(request, request.source.path, workerId);
    const transport = await this.options.transports(workerId);
    const source = await this.resolveSource(request);
    const script = await checkScript(source.dir, request.script);
    const filterText = request.filter ?? (await readFile(join(source.dir, 'filter.json'), 'utf8').catch(() => undefined));
    if (filterText === undefined) {
      throw new WorkbenchError('BAD_INPUT', `${source.dir} has no filter.json; write a filter for the job or add that file.`);
    }
    checkFilterJson(filterText);
    const dataDir = request.dataDir ?? this.options.defaultDataDir();
    if (!(await transport.exists(dataDir))) {
      throw new WorkbenchError('NOT_FOUND', `The data set ${dataDir} does not exist on the worker. Generate the sample data (in the Jobs view, or with: workbench sample-data) or choose another folder.`);
    }

    const id = this.newRunId();
    const runDir = runDirOf(transport, id);
    const runtimeDir = await this.options.runtime.ensure(transport);
    await transport.mkdir(posix.join(runDir, 'output'));
    await transport.uploadDir(source.dir, posix.join(runDir, 'code'), { ignore: (path) => IGNORED.test(path) });
    await transport.writeFile(posix.join(runDir, 'filter.json'), filterText);
    const run: Run = Run.parse({
      id,
      worker: workerId,
      jobName: source.name,
      request: { ...request, dataDir },
      status: 'running',
      createdAt: this.now().toISOString(),
    });
    await transport.writeFile(posix.join(runDir, 'meta.json'), `${JSON.stringify(run, null, 2)}\n`);

    const argv = [
      'env',
      `PYTHONPATH=${runtimeDir}`,
      'python3',
      '-u',
      '-m',
      'mapreduce.job',
      posix.join('code', script),
      '--input-filter',
      'filter.json',
      '--data-dir',
      dataDir,
      '--output',
      posix.join('output', `${source.name}.txt`),
      '--num-mappers',
      String(request.mappers),
      '--num-reducers',
      String(request.reducers),
      '--local-only',
      ...(request.sorted ? ['--sorted'] : []),
    ];
    await launchRun(transport, runtimeDir, runDir, Math.max(1, Math.round(request.timeoutMinutes * 60)), argv);
    await this.save(run);
    this.follow(run, transport, 0);
    return run;
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

  /** The text of one collected output file (the first `maxBytes` of it). */
  async result(runId: string, maxBytes: number): Promise<{ name: string; text: string; truncated: boolean } | undefined> {
    const run = await this.get(runId);
    const first = run.outputs[0];
    if (!run.resultDir || !first) return undefined;
    const data = await readFile(join(run.resultDir, first.name));
    return { name: first.name, text: data.subarray(0, maxBytes).toString('utf8'), truncated: data.length > maxBytes };
  }

  /** After a restart: follow runs that are still going, finish those that ended meanwhile. */
  async reattach(): Promise<void> {
    for (const run of await this.options.runs.list()) {
      if (run.status !== 'running' || this.followers.has(run.id)) continue;
      const transport = await this.options.transports(run.worker);
      const runDir = runDirOf(transport, run.id);
      if ((await readExitCode(transport, runDir)) !== undefined || (await isRunAlive(transport, runDir))) {
        this.follow(run, transport, 0);
      } else {
        await this.save({ ...run, status: 'lost', finishedAt: this.now().toISOString(), message: 'The run stopped without recording an exit code (was the worker restarted?).' });
      }
    }
  }

  /** Stops following (the runs themselves go on). */
  close(): void {
    for (const follower of this.followers.values()) follower.stop();
    this.followers.clear();
  }

  private follow(run: Run, transport: Transport, offset: number): void {
    const follower = new Follower(run, transport, offset, this.options.pollMs ?? POLL_MS, {
      chunk: (chunk) => this.options.hub.emit('jobs:log', chunk, run.id),
      progress: (current) => this.options.hub.emit('jobs:run', current, run.id),
      ended: async (code, cancelled) => {
        this.followers.delete(run.id);
        await this.finish(follower.run, transport, code, cancelled);
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
    });
    this.followers.set(run.id, follower);
    follower.start();
  }

  private async finish(run: Run, transport: Transport, code: number | undefined, cancelled = false): Promise<Run> {
    const runDir = runDirOf(transport, run.id);
    const started = Date.parse(run.createdAt);
    const timeoutMs = RunRequest.parse(run.request).timeoutMinutes * 60_000;
    const timedOut = code === 124 || (code === 137 && this.now().getTime() - started >= timeoutMs);
    const status = cancelled ? 'cancelled' : code === 0 ? 'succeeded' : timedOut ? 'timed-out' : code === undefined ? 'lost' : 'failed';
    const resultDir = join(this.options.resultsDir, run.id);
    let outputs: Run['outputs'] = [];
    let message: string | undefined;
    try {
      const collected = await retryWhileUnreachable(() => transport.downloadDir(posix.join(runDir, run.outputDir ?? 'output'), resultDir));
      outputs = collected.map((f) => ({ name: f.path, bytes: f.bytes }));
    } catch (err) {
      message = `The output could not be collected: ${(err as Error).message}`;
    }
    if (status === 'failed') {
      const tail = tailForPeople(await readLogTail(transport, runDir, 8192));
      message = `Exited with code ${code}.${tail ? `\n${tail}` : ''}`;
    } else if (status === 'timed-out') {
      message = `Stopped after its timeout of ${formatMinutes(RunRequest.parse(run.request).timeoutMinutes)}.`;
    } else if (status === 'cancelled') {
      message = 'Cancelled.';
    } else if (status === 'succeeded' && outputs.length === 0) {
      message ??= run.request.source.kind === 'package' ? `Finished, but wrote nothing to ${posix.relative('code', run.outputDir ?? 'output')}/.` : 'Finished, but wrote no output (did the filter match any data?).';
    }
    const finished: Run = { ...run, status, exitCode: code, finishedAt: this.now().toISOString(), resultDir, outputs, ...(message ? { message } : {}) };
    await this.save(finished);
    return finished;
  }

  /**
   * A general start path: unpack a package into the run's code/ folder and run its own command
   * there (argv, never a shell string of user input), under the same launch.sh, follower and
   * history as any run; its output folder inside code/ is what gets collected.
   */
  private async startPackage(request: ReturnType<typeof RunRequest.parse>, tarball: string, workerId: string): Promise<Run> {
    const unpacker = this.options.packages;
    if (!unpacker) throw new WorkbenchError('BAD_INPUT', 'Packages cannot be run here.');
    const transport = await this.options.transports(workerId);
    const id = this.newRunId();
    const runDir = runDirOf(transport, id);
    const runtimeDir = await this.options.runtime.ensure(transport);
    const codeDir = posix.join(runDir, 'code');
    await transport.mkdir(runDir);
    const prepared = await unpacker.prepare(resolve(tarball), transport, codeDir, runtimeDir, workerId === 'local');
    // Made up front, so a package that writes nothing is reported as such, not as a lost folder.
    await transport.mkdir(posix.join(codeDir, prepared.outputDir));
    const run: Run = Run.parse({
      id,
      worker: workerId,
      jobName: slug(prepared.name),
      request: { ...request, source: { kind: 'package', path: resolve(tarball) } },
      status: 'running',
      createdAt: this.now().toISOString(),
      outputDir: posix.join('code', prepared.outputDir),
    });
    await transport.writeFile(posix.join(runDir, 'meta.json'), `${JSON.stringify(run, null, 2)}\n`);
    // The shell text is fixed; the package's command reaches it only as "$@".
    const argv = ['sh', '-c', 'cd code && exec "$@"', 'package', ...prepared.command];
    await launchRun(transport, runtimeDir, runDir, Math.max(1, Math.round(request.timeoutMinutes * 60)), argv);
    await this.save(run);
    this.follow(run, transport, 0);
    return run;
  }

  private async save(run: Run): Promise<void> {
    await this.options.runs.put(run);
    this.options.hub.emit('jobs:run', run, run.id);
  }

  private async resolveSource(request: ReturnType<typeof RunRequest.parse>): Promise<{ name: string; dir: string }> {
    if (request.source.kind === 'example') {
      const example = await this.options.examples.get(request.source.name);
      return { name: example.name, dir: example.dir };
    }
    const dir = resolve(request.source.path);
    const info = await lstat(dir).catch(() => undefined);
    if (!info?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `The job folder ${dir} does not exist or is not a folder.`);
    return { name: slug(basename(dir)), dir };
  }

  private newRunId(): string {
    const stamp = this.now().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    return `${stamp}-${randomBytes(3).toString('hex')}`;
  }
}

export interface PackageUnpacker {
  /** Unpacks `tarball` into `codeDir` on the worker; its name, command and output folder (relative to codeDir). */
  prepare(tarball: string, transport: Transport, codeDir: string, runtimeDir: string, local: boolean): Promise<{ name: string; command: string[]; outputDir: string }>;
}

/**
 * Runs `work` again while it fails because the worker cannot be reached (the connection
 * dropped and is being re-established), a few times with growing pauses; other errors and
 * the last failure are thrown.
 */
async function retryWhileUnreachable<T>(work: () => Promise<T>, attempts = COLLECT_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      // ssh2 fails requests pending on a dropped connection with plain errors like these.
      const retryable = err instanceof WorkbenchError ? err.retryable : /No response from server|Not connected|ECONNRESET|closed/i.test((err as Error).message);
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
    }
  }
}

function formatMinutes(minutes: number): string {
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(minutes * 60)} seconds`;
}

/** A job name fit for a file name: lower-case letters, digits and dashes. */
function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'job';
}

/** The script must be a file inside the job folder. */
async function checkScript(jobDir: string, script: string): Promise<string> {
  const clean = normalize(script);
  if (isAbsolute(script) || clean.startsWith(`..${sep}`) || clean === '..') {
    throw new WorkbenchError('BAD_INPUT', `The script must be a path inside the job folder, not "${script}".`);
  }
  const info = await lstat(join(jobDir, clean)).catch(() => undefined);
  if (!info?.isFile()) throw new WorkbenchError('NOT_FOUND', `The job folder has no script ${clean}.`);
  return clean.split(sep).join('/');
}

function checkFilterJson(text: string): void {
  try {
    JSON.parse(text);
  } catch (err) {
    throw new WorkbenchError('BAD_INPUT', `The filter is not valid JSON: ${(err as Error).message}`);
  }
}
