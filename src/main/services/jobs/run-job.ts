import { basename, dirname, posix } from 'node:path';
import { RunRecord } from '../../../shared/schedule.ts';
import { localRunPrefix } from '../packager/spark-run.ts';
import { LocalTransport } from '../workers/local.ts';
import type { Transport } from '../workers/transport.ts';
import { launchRun } from './job-protocol.ts';
import { tailForPeople } from './log-lines.ts';

/** Time run-job.sh gets beyond the job's own timeout (fetch, unpack, guard, publish, record). */
export const RUN_JOB_MARGIN_SECONDS = 600;

/** One run of a packaged job by resources/worker/run-job.sh: its arguments, as that script names them. */
export interface RunJobSpec {
  /** The job's name (a slug): the schedule's name, or the package's for a Test run. */
  job: string;
  runId: string;
  /** The code tarball on this computer; it is copied alone into the run's folder on the worker. */
  tarball: string;
  /** The job's command line, run by `sh -c` in the unpacked folder. */
  command: string;
  /** The job's output folder inside the unpacked folder (OUTPUT_DIR). */
  outputDir: string;
  timeoutSeconds: number;
  /** Where run-job.sh publishes the output, log and run record (a folder on the worker or s3://). */
  publish: string;
  visibility: 'public' | 'private';
  /** The data the job reads (DATA_DIR): a folder on the worker or s3://BUCKET/PREFIX; none: the job gets no DATA_DIR. */
  dataDir?: string | undefined;
  scheduledFor?: Date | null;
  /** Variables for run-job.sh on this computer (the AWS profile for an S3 data source); a remote worker ignores them. */
  env?: Record<string, string | undefined> | undefined;
}

/**
 * Starts run-job.sh for one run in `runDir` on the worker, detached under launch.sh: the tarball
 * goes alone into `runDir/in/`, it is unpacked and run in a work folder inside `runDir`, and the
 * log of the run (the job's own output with run-job.sh's notes) is kept in `runDir/log` as it
 * grows, so it can be followed live like any run's. Test
 * runs and local or worker schedules all start here, so a package runs the same in each.
 */
export async function launchRunJob(transport: Transport, runtimeDir: string, runDir: string, spec: RunJobSpec): Promise<number> {
  const { argv, timeoutSeconds } = await stageRunJob(transport, runtimeDir, runDir, spec);
  return launchRun(transport, runtimeDir, runDir, timeoutSeconds, argv, spec.env);
}

/** launchRunJob's first half: copies the tarball into the run and says what launch.sh is to run, and for how long at most. */
export async function stageRunJob(transport: Transport, runtimeDir: string, runDir: string, spec: RunJobSpec, uploaded?: (bytes: number) => void): Promise<{ argv: string[]; timeoutSeconds: number }> {
  // A Spark package run on this computer gets the Python that has pyspark first on PATH.
  const prefix = transport instanceof LocalTransport ? await localRunPrefix(spec.tarball) : [];
  const codeDir = posix.join(runDir, 'in');
  await transport.mkdir(codeDir);
  const name = basename(spec.tarball);
  await transport.uploadDir(dirname(spec.tarball), codeDir, { ignore: (path) => path !== name, ...(uploaded && { onFile: (_path: string, bytes: number) => uploaded(bytes) }) });
  // The run's own folder holds run-job.sh's work folder too: the package is unpacked on the disk of the run.
  const argv = [...prefix, 'sh', posix.join(runtimeDir, 'run-job.sh'), ...runJobArgs({ ...spec, tarball: posix.join(codeDir, name) }), '--log', posix.join(runDir, 'log'), '--work-dir', runDir];
  return { argv, timeoutSeconds: Math.max(1, Math.round(spec.timeoutSeconds)) + RUN_JOB_MARGIN_SECONDS };
}

/** run-job.sh's arguments for `spec`, `tarball` being the code's path where run-job.sh runs (or s3://). */
export function runJobArgs(spec: RunJobSpec): string[] {
  const seconds = Math.max(1, Math.round(spec.timeoutSeconds));
  return [
    '--job', spec.job,
    '--run-id', spec.runId,
    '--code', spec.tarball,
    '--command', spec.command,
    '--output-dir', spec.outputDir,
    // Whole minutes as run-job.sh requires them; the seconds, when finer, win.
    '--timeout-minutes', String(Math.min(1440, Math.ceil(seconds / 60))),
    ...(seconds % 60 === 0 ? [] : ['--timeout-seconds', String(seconds)]),
    '--publish', spec.publish,
    '--visibility', spec.visibility,
    ...(spec.dataDir ? ['--data-dir', spec.dataDir] : []),
    ...(spec.scheduledFor ? ['--scheduled-for', spec.scheduledFor.toISOString()] : []),
  ];
}

/** A run record run-job.sh wrote (DEST/runs/RUNID.json on the worker); undefined when there is none or it is damaged. */
export async function readRunRecord(transport: Transport, path: string): Promise<RunRecord | undefined> {
  const slice = await transport.readFrom(path, 0, 1024 * 1024);
  if (!slice) return undefined;
  try {
    const parsed = RunRecord.safeParse(JSON.parse(slice.data.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The last lines of a run-job.sh log that the job itself wrote (run-job.sh's own notes and its
 * closing line left out), for a failure message.
 */
export function jobOutputTail(log: string, runId: string, lines = 5): string {
  const own = log.split('\n').filter((line) => !line.startsWith('[run-job ') && !line.startsWith(`run ${runId} of `));
  return tailForPeople(own.join('\n'), lines);
}
