import { readFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RunRecord, type Schedule } from '../../../shared/schedule.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import { launchRun, readExitCode, readLogTail, runDirOf } from '../jobs/job-protocol.ts';
import { tailForPeople } from '../jobs/log-lines.ts';
import type { WorkerRuntime } from '../jobs/runtime.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import type { Transport } from '../workers/transport.ts';

/** Time run-job.sh gets beyond the job's own timeout (fetch, guard, publish, record). */
const RUN_JOB_MARGIN_SECONDS = 600;

export interface ScheduledRun {
  schedule: Schedule;
  runId: string;
  scheduledFor: Date | null;
  /** The deployed copy of the code tarball on this computer (alone in its folder). */
  tarball: string;
  /** Where the job's output, logs and run records end up on this computer: <data>/published/JOB. */
  publishedDir: string;
  /** The app's data dir, which publishedDir is inside: its folders are made only as real folders. */
  dataDir: string;
  /** The worker is this computer: run-job.sh publishes straight into publishedDir. */
  local: boolean;
  /** Environment for the job (DATA_DIR: the data set); WORKBENCH_WORKER_DIR is set to the runtime. */
  env?: Record<string, string>;
}

/**
 * One scheduled run through the job protocol: the tarball goes into a fresh run folder on the
 * worker, resources/worker/run-job.sh runs detached under launch.sh (so it is the same script,
 * run the same way, as on an EC2 instance), and its run record is read back. A worker other
 * than this computer publishes into its own folder, which is then fetched here. A run that ends
 * without a record (the worker lost, run-job.sh killed) gets one written here saying so.
 */
export async function runScheduledJob(transport: Transport, runtime: WorkerRuntime, run: ScheduledRun, pollMs = 500): Promise<RunRecord> {
  const { schedule, runId } = run;
  const startedAt = new Date();
  const runDir = runDirOf(transport, runId);
  try {
    // run-job.sh writes straight into publishedDir here: a link planted there is refused first.
    if (run.local) await makeOwnFolder(run.dataDir, run.publishedDir);
    const runtimeDir = await runtime.ensure(transport);
    const codeDir = posix.join(runDir, 'in');
    await transport.mkdir(codeDir);
    await transport.uploadDir(dirname(run.tarball), codeDir, { ignore: (path) => path !== basename(run.tarball) });
    const dest = run.local ? run.publishedDir : posix.join(transport.root, 'published', schedule.name);
    // Packages made from the job template find the map/reduce runner and the data through these.
    const env = { ...run.env, WORKBENCH_WORKER_DIR: runtimeDir };
    const argv = [
      'env',
      ...Object.entries(env).map(([key, value]) => `${key}=${value}`),
      'sh',
      posix.join(runtimeDir, 'run-job.sh'),
      '--job', schedule.name,
      '--run-id', runId,
      '--code', posix.join(codeDir, basename(run.tarball)),
      '--command', schedule.command,
      '--output-dir', schedule.outputDir,
      '--timeout-minutes', String(schedule.timeoutMinutes),
      '--publish', dest,
      '--visibility', schedule.visibility,
      ...(run.scheduledFor ? ['--scheduled-for', run.scheduledFor.toISOString()] : []),
    ];
    await launchRun(transport, runtimeDir, runDir, schedule.timeoutMinutes * 60 + RUN_JOB_MARGIN_SECONDS, argv);
    return await collect(transport, run, runDir, dest, startedAt, pollMs);
  } catch (err) {
    return writeOwnRecord(run, startedAt, null, `The run could not be started or followed: ${(err as Error).message}`, '');
  }
}

/** After a restart: wait for a run started earlier and collect its record. */
export async function resumeScheduledJob(transport: Transport, run: ScheduledRun, startedAt: Date, pollMs = 500): Promise<RunRecord> {
  const runDir = runDirOf(transport, run.runId);
  const dest = run.local ? run.publishedDir : posix.join(transport.root, 'published', run.schedule.name);
  try {
    return await collect(transport, run, runDir, dest, startedAt, pollMs);
  } catch (err) {
    return writeOwnRecord(run, startedAt, null, `The run could not be followed: ${(err as Error).message}`, '');
  }
}

async function collect(transport: Transport, run: ScheduledRun, runDir: string, dest: string, startedAt: Date, pollMs: number): Promise<RunRecord> {
  let code = await readExitCode(transport, runDir);
  while (code === undefined) {
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    code = await readExitCode(transport, runDir);
  }
  if (!run.local) await fetchPublished(transport, dest, run);
  const record = await readRecord(join(run.publishedDir, 'runs', `${run.runId}.json`));
  if (record) return record;
  const tail = await readLogTail(transport, runDir, 64 * 1024).catch(() => '');
  const why = code === 124 || code === 137 ? 'run-job.sh itself was stopped at its time limit' : `run-job.sh exited with code ${code}`;
  return writeOwnRecord(run, startedAt, code, `${why} without writing a run record.${tail ? `\n${tailForPeople(tail)}` : ''}`, tail);
}

/** Brings a worker's published output, log and record of this run to this computer. */
async function fetchPublished(transport: Transport, dest: string, run: ScheduledRun): Promise<void> {
  if (await transport.exists(posix.join(dest, 'data'))) {
    await makeOwnFolder(run.dataDir, join(run.publishedDir, 'data'));
    await transport.downloadDir(posix.join(dest, 'data'), join(run.publishedDir, 'data'));
  }
  for (const file of [`logs/${run.runId}.log.gz`, `runs/${run.runId}.json`]) {
    const slice = await transport.readFrom(posix.join(dest, file), 0, 256 * 1024 * 1024);
    if (!slice) continue;
    await makeOwnFolder(run.dataDir, dirname(join(run.publishedDir, file)));
    await writeFileAtomic(join(run.publishedDir, file), slice.data, 0o644);
  }
}

async function readRecord(path: string): Promise<RunRecord | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = RunRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A "failed" record (and the launch log) written by the app when run-job.sh left none. */
export async function writeOwnRecord(run: ScheduledRun, startedAt: Date, exitCode: number | null, message: string, log: string): Promise<RunRecord> {
  const name = run.schedule.name;
  const record: RunRecord = {
    version: 1,
    job: name,
    runId: run.runId,
    scheduledFor: run.scheduledFor?.toISOString() ?? null,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    exitCode,
    timedOut: false,
    status: 'failed',
    filesPublished: 0,
    bytesPublished: 0,
    guardFindings: [],
    log: `${name}/logs/${run.runId}.log.gz`,
    output: `${name}/data/`,
    message,
  };
  await makeOwnFolder(run.dataDir, join(run.publishedDir, 'runs'));
  await makeOwnFolder(run.dataDir, join(run.publishedDir, 'logs'));
  await writeFileAtomic(join(run.publishedDir, 'logs', `${run.runId}.log.gz`), gzipSync(log || `${message}\n`), 0o644);
  await writeFileAtomic(join(run.publishedDir, 'runs', `${run.runId}.json`), `${JSON.stringify(record, null, 2)}\n`, 0o644);
  return record;
}
