import { chmod, cp, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { RunRecord, type Schedule } from '../../../shared/schedule.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import { readExitCode, readLogTail, runDirOf } from '../jobs/job-protocol.ts';
import { tailForPeople } from '../jobs/log-lines.ts';
import { launchRunJob } from '../jobs/run-job.ts';
import type { WorkerRuntime } from '../jobs/runtime.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import type { Transport } from '../workers/transport.ts';

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
  /** The data folder the job reads (its DATA_DIR) on the worker; none: the job gets no DATA_DIR. */
  jobDataDir?: string | undefined;
  /** Variables for run-job.sh on this computer (the AWS profile for an S3 data source); never sent to a worker. */
  jobEnv?: Record<string, string | undefined> | undefined;
}

/**
 * One scheduled run through the job protocol: the tarball goes into a fresh run folder on the
 * worker, resources/worker/run-job.sh runs detached under launch.sh (the same script, run the
 * same way, as on an EC2 instance and in a Test run), and its run record is read back. A worker
 * other than this computer publishes into its own folder, which is then fetched here. A run
 * that ends without a record (the worker lost, run-job.sh killed) gets one written here saying so.
 */
export async function runScheduledJob(transport: Transport, runtime: WorkerRuntime, run: ScheduledRun, pollMs = 500): Promise<RunRecord> {
  const { schedule, runId } = run;
  const startedAt = new Date();
  const runDir = runDirOf(transport, runId);
  try {
    // run-job.sh writes straight into publishedDir here: a link planted there is refused first.
    if (run.local) await makeOwnFolder(run.dataDir, run.publishedDir);
    const runtimeDir = await runtime.ensure(transport);
    const dest = run.local ? run.publishedDir : posix.join(transport.root, 'published', schedule.name);
    await launchRunJob(transport, runtimeDir, runDir, {
      job: schedule.name,
      runId,
      tarball: run.tarball,
      command: schedule.command,
      outputDir: schedule.outputDir,
      timeoutSeconds: schedule.timeoutMinutes * 60,
      publish: dest,
      visibility: schedule.visibility,
      dataDir: run.jobDataDir,
      scheduledFor: run.scheduledFor,
      ...(run.local && run.jobEnv && { env: run.jobEnv }),
    });
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

/**
 * Brings a worker's published output, log and record of this run to this computer, laid out as
 * run-job.sh lays them out: the run's folder under runs/RUNID/data/, and data/ made that set
 * when the run succeeded.
 */
async function fetchPublished(transport: Transport, dest: string, run: ScheduledRun): Promise<void> {
  // This run's output only: the worker keeps the earlier runs' folders, which are here already.
  const runData = posix.join('runs', run.runId, 'data');
  if (await transport.exists(posix.join(dest, runData))) {
    await makeOwnFolder(run.dataDir, join(run.publishedDir, runData));
    await transport.downloadDir(posix.join(dest, runData), join(run.publishedDir, runData));
  }
  for (const file of [`logs/${run.runId}.log.gz`, `runs/${run.runId}.json`]) {
    const slice = await transport.readFrom(posix.join(dest, file), 0, 256 * 1024 * 1024);
    if (!slice) continue;
    await makeOwnFolder(run.dataDir, dirname(join(run.publishedDir, file)));
    await writeFileAtomic(join(run.publishedDir, file), slice.data, 0o644);
  }
  const record = await readRecord(join(run.publishedDir, 'runs', `${run.runId}.json`));
  if (record?.status === 'succeeded') await replaceLatest(run.publishedDir, join(run.publishedDir, runData));
}

/** publishedDir/data/ made a copy of `source` in one rename, as run-job.sh does: readers see the old set or the new. */
async function replaceLatest(publishedDir: string, source: string): Promise<void> {
  const staging = await mkdtemp(join(publishedDir, '.data-'));
  try {
    await chmod(staging, 0o755);
    if (await stat(source).then((s) => s.isDirectory(), () => false)) await cp(source, staging, { recursive: true, verbatimSymlinks: true });
    const data = join(publishedDir, 'data');
    const old = await mkdtemp(join(publishedDir, '.data-old-'));
    await rename(data, join(old, 'data')).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(staging, data);
    await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
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
    output: `${name}/runs/${run.runId}/data/`,
    message,
  };
  await makeOwnFolder(run.dataDir, join(run.publishedDir, 'runs'));
  await makeOwnFolder(run.dataDir, join(run.publishedDir, 'logs'));
  await writeFileAtomic(join(run.publishedDir, 'logs', `${run.runId}.log.gz`), gzipSync(log || `${message}\n`), 0o644);
  await writeFileAtomic(join(run.publishedDir, 'runs', `${run.runId}.json`), `${JSON.stringify(record, null, 2)}\n`, 0o644);
  return record;
}
