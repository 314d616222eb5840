import { createWriteStream } from 'node:fs';
import { realpath, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { RunResult } from '../../../shared/model.ts';
import type { ResultsDownloadProgress, ScheduledRun, ScheduledRunFiles, ScheduledRuns } from '../../../shared/results-calls.ts';
import type { HistoryRow, ScheduleView } from '../../../shared/schedule-calls.ts';
import { RunRecordStatus } from '../../../shared/schedule.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import { awsError } from '../credentials/aws-errors.ts';
import { fileIn, listFiles, readStart, type OutputFile } from './output-files.ts';

/** Progress reaches the UI at most this often while files download. */
const PROGRESS_MS = 100;
/** Files of one run fetched at once. */
const PARALLEL_FILES = 4;
/** How long a job's history rows are used again to find a run (its records do not change once ended). */
const ROWS_KEPT_MS = 30_000;

export interface ScheduledResultsOptions {
  /** The schedules and their history (run records with where their log and output are). */
  schedules: { list(): Promise<ScheduleView[]>; history(name: string): Promise<HistoryRow[]> };
  /** The app's data dir: every folder made here is a real folder inside it. */
  dataDir: string;
  /** Where runs published to S3 are downloaded: `<downloadsDir>/JOB/RUNID/`. */
  downloadsDir: string;
  /** A client of the active AWS profile, made per download (destroyed after). */
  s3: () => Promise<S3Client>;
  onProgress?: (progress: ResultsDownloadProgress) => void;
}

interface Download {
  abort: AbortController;
  done: Promise<void>;
}

function isEnded(status: string): status is RunRecordStatus {
  return (RunRecordStatus.options as string[]).includes(status);
}

function parseS3(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(url);
  if (!match) throw new WorkbenchError('INTERNAL', `${url} is not an s3:// URL.`);
  const prefix = match[2]!;
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

const stripSlash = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

/**
 * Scheduled runs as results: the ended runs of every schedule (from their run records), and a
 * run's output on this computer. A local or worker schedule published into the data folder,
 * where it is read as it is; an AWS schedule published to S3, from where a run's output is
 * downloaded once, with progress, into `<downloadsDir>/JOB/RUNID/` (through a partial folder
 * renamed when complete, so a folder there is always a whole copy) and read from there after.
 */
export class ScheduledResults {
  private readonly downloads = new Map<string, Download>();
  /** Each open call with a download id, so Cancel reaches it whatever step it is at. */
  private readonly cancels = new Map<string, AbortController>();
  private readonly rows = new Map<string, { at: number; rows: HistoryRow[] }>();

  constructor(private readonly options: ScheduledResultsOptions) {}

  async runs(job?: string): Promise<ScheduledRuns> {
    const schedules = (await this.options.schedules.list()).filter((s) => job === undefined || s.name === job);
    if (job !== undefined && schedules.length === 0) throw new WorkbenchError('NOT_FOUND', `There is no schedule named ${job}.`);
    const runs: ScheduledRun[] = [];
    const unavailable: ScheduledRuns['unavailable'] = [];
    for (const schedule of schedules) {
      let rows: HistoryRow[];
      try {
        rows = await this.historyOf(schedule.name, true);
      } catch (err) {
        // One job's backend out of reach (no AWS profile now) leaves the others listed.
        unavailable.push({ job: schedule.name, message: (err as Error).message });
        continue;
      }
      for (const row of rows) {
        const run = await this.toRun(schedule, row);
        if (run) runs.push(run);
      }
    }
    runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.runId.localeCompare(a.runId));
    return { runs, unavailable };
  }

  /** The run's files here: downloaded first when it was published to S3 and is not here yet. */
  async open(job: string, runId: string, downloadId?: string): Promise<ScheduledRunFiles> {
    // Cancellable from the moment the call arrives: a Cancel sent while the run is still being
    // looked up stops its download before it starts.
    const cancel = new AbortController();
    if (downloadId !== undefined) this.cancels.set(downloadId, cancel);
    try {
      const { run, others } = await this.find(job, runId);
      if (!run.output.startsWith('s3://')) {
        const folder = await this.publishedFolder(run);
        return { job, runId, folder, files: this.own(await listFiles(folder), run, others), source: folder };
      }
      const folder = this.copyOf(job, runId);
      if (!(await isFolder(folder))) await this.download(run, folder, downloadId, cancel.signal, others);
      return { job, runId, folder, files: this.own(await listFiles(folder), run, others), source: run.output };
    } finally {
      if (downloadId !== undefined && this.cancels.get(downloadId) === cancel) this.cancels.delete(downloadId);
    }
  }

  /** The start of one of the run's files (default the first), once the run is here. */
  async result(job: string, runId: string, maxBytes: number, name?: string): Promise<RunResult | null> {
    const { run, others } = await this.find(job, runId);
    const folder = run.output.startsWith('s3://') ? this.copyOf(job, runId) : await this.publishedFolder(run);
    if (run.output.startsWith('s3://') && !(await isFolder(folder))) {
      throw new WorkbenchError('NOT_FOUND', `Run ${runId} of ${job} is in S3 and not downloaded yet; open it to download it.`);
    }
    const files = this.own(await listFiles(folder), run, others);
    const file = name === undefined ? files[0] : files.find((f) => f.name === name);
    if (!file) {
      if (name === undefined) return null;
      throw new WorkbenchError('NOT_FOUND', `Run ${runId} of ${job} has no output file ${name}.`);
    }
    return { name: file.name, ...(await readStart(fileIn(folder, file.name), maxBytes)) };
  }

  cancel(downloadId: string): boolean {
    const cancel = this.cancels.get(downloadId);
    if (!cancel) return false;
    cancel.abort();
    return true;
  }

  /** Stops every download (the app is closing); their partial folders are removed. */
  async close(): Promise<void> {
    for (const cancel of this.cancels.values()) cancel.abort();
    const going = [...this.downloads.values()];
    for (const download of going) download.abort.abort();
    await Promise.allSettled(going.map((d) => d.done));
  }

  /**
   * A job's history rows: read again when `fresh`, else those read within the last half minute.
   * Reading an AWS job's history reads each run record from S3, and the Results view asks for
   * one file of every run of a job in turn (its runs side by side).
   */
  private async historyOf(job: string, fresh: boolean): Promise<HistoryRow[]> {
    const kept = this.rows.get(job);
    if (!fresh && kept && Date.now() - kept.at < ROWS_KEPT_MS) return kept.rows;
    const rows = await this.options.schedules.history(job);
    this.rows.set(job, { at: Date.now(), rows });
    return rows;
  }

  /**
   * A local or worker run's output folder, which must really be inside the job's published
   * folder in the data dir: a run record (a worker's, fetched here) naming a folder elsewhere, or
   * a link there leading elsewhere, would have the app show files that are not the run's output.
   */
  private async publishedFolder(run: ScheduledRun): Promise<string> {
    const folder = stripSlash(run.output);
    const root = join(this.options.dataDir, 'published', run.job);
    const real = await realpath(folder).catch(() => undefined);
    if (real === undefined) return folder; // nothing published (a failed run): no files
    const inside = relative(await realpath(root), real);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new WorkbenchError('BAD_INPUT', `The record of run ${run.runId} of ${run.job} names ${folder} as its output, which is not inside ${root}; it is not opened. Remove runs/${run.runId}.json there if you did not put it there.`);
    }
    return folder;
  }

  private copyOf(job: string, runId: string): string {
    return join(this.options.downloadsDir, job, runId);
  }

  private async toRun(schedule: ScheduleView, row: HistoryRow): Promise<ScheduledRun | undefined> {
    if (!isEnded(row.status) || !row.runId || !row.startedAt || !row.endedAt || !row.output) return undefined;
    const here = !row.output.startsWith('s3://') || (await isFolder(this.copyOf(schedule.name, row.runId)));
    return {
      job: schedule.name,
      runId: row.runId,
      backend: schedule.backend,
      status: row.status,
      scheduledFor: row.scheduledFor,
      startedAt: row.startedAt,
      endedAt: row.endedAt,
      filesPublished: row.filesPublished,
      bytesPublished: row.bytesPublished,
      output: row.output,
      here,
      message: row.message,
    };
  }

  private async find(job: string, runId: string): Promise<{ run: ScheduledRun; others: Set<string> }> {
    const schedule = (await this.options.schedules.list()).find((s) => s.name === job);
    if (!schedule) throw new WorkbenchError('NOT_FOUND', `There is no schedule named ${job}.`);
    let rows = await this.historyOf(job, false);
    // A run newer than the rows kept, or going when they were read: read the history again.
    if (!rows.some((r) => r.runId === runId && isEnded(r.status))) rows = await this.historyOf(job, true);
    const row = rows.find((r) => r.runId === runId);
    const run = row ? await this.toRun(schedule, row) : undefined;
    if (!run) {
      throw new WorkbenchError('NOT_FOUND', row ? `Run ${runId} of ${job} has not ended yet; its output can be opened when it has.` : `${job} has no run ${runId}.`);
    }
    return { run, others: new Set(rows.map((r) => r.runId).filter((id): id is string => !!id && id !== runId)) };
  }

  /**
   * A run recorded before each run had its own folder (runs/RUNID/data/) points at the job's
   * shared data folder, which may also hold other runs' folders: those are not this run's output.
   */
  private own(files: OutputFile[], run: ScheduledRun, others: Set<string>): OutputFile[] {
    if (stripSlash(run.output).endsWith(`/runs/${run.runId}/data`)) return files;
    return files.filter((f) => !others.has(f.name.split('/')[0]!));
  }

  /** One download per run at a time: a second open of the same run waits for the first. */
  private async download(run: ScheduledRun, folder: string, downloadId: string | undefined, cancelled: AbortSignal, others: Set<string>): Promise<void> {
    const key = `${run.job}/${run.runId}`;
    const going = this.downloads.get(key);
    if (going) return going.done;
    const abort = new AbortController();
    if (cancelled.aborted) abort.abort();
    else cancelled.addEventListener('abort', () => abort.abort(), { once: true });
    const done = this.fetchAll(run, folder, abort.signal, downloadId, others).finally(() => this.downloads.delete(key));
    this.downloads.set(key, { abort, done });
    return done;
  }

  private async fetchAll(run: ScheduledRun, folder: string, signal: AbortSignal, downloadId: string | undefined, others: Set<string>): Promise<void> {
    const { bucket, prefix } = parseS3(run.output);
    const partial = `${folder}.partial`;
    const s3 = await this.options.s3();
    // Stops every file being fetched: the user cancelled (signal), or one file failed.
    const stop = new AbortController();
    const onCancel = () => stop.abort();
    signal.addEventListener('abort', onCancel);
    if (signal.aborted) stop.abort();
    let progress: ResultsDownloadProgress | undefined;
    try {
      await rm(partial, { recursive: true, force: true });
      await makeOwnFolder(this.options.dataDir, partial);
      const listed = await listObjects(s3, bucket, prefix, stop.signal).catch((err: unknown) => {
        throw signal.aborted ? err : awsError(err, `list ${run.output}`);
      });
      // A run recorded in the job's shared data folder: the later runs' folders there are not fetched.
      const objects = this.own(listed, run, others);
      progress = {
        downloadId: downloadId ?? '',
        job: run.job,
        runId: run.runId,
        filesDone: 0,
        filesTotal: objects.length,
        bytesDone: 0,
        bytesTotal: objects.reduce((sum, o) => sum + o.bytes, 0),
      };
      // Progress goes out keyed by the caller's download id; without one, no one is listening.
      const report = (p: ResultsDownloadProgress) => downloadId !== undefined && this.options.onProgress?.({ ...p });
      report(progress);
      let lastReport = Date.now();
      const current = progress;
      const counter = () =>
        new Transform({
          transform(chunk: Buffer, _encoding, next) {
            current.bytesDone += chunk.length;
            if (Date.now() - lastReport >= PROGRESS_MS) {
              lastReport = Date.now();
              report(current);
            }
            next(null, chunk);
          },
        });
      const folders = new Set<string>();
      const fetchOne = async (object: OutputFile) => {
        const target = fileIn(partial, object.name);
        if (!folders.has(dirname(target))) {
          await makeOwnFolder(this.options.dataDir, dirname(target));
          folders.add(dirname(target));
        }
        const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${object.name}` }), { abortSignal: stop.signal }).catch((err: unknown) => {
          throw stop.signal.aborted ? err : awsError(err, `download s3://${bucket}/${prefix}${object.name}`);
        });
        // The bytes as stored: a .gz object (Content-Encoding gzip) stays the gzip file it is.
        await pipeline(answer.Body as Readable, counter(), createWriteStream(target, { mode: 0o600 }), { signal: stop.signal });
        current.filesDone += 1;
      };
      // A few files at once: a run's output is often many part files, each a round trip.
      let next = 0;
      let failure: unknown;
      const lane = async () => {
        while (next < objects.length && failure === undefined) {
          const object = objects[next++]!;
          await fetchOne(object).catch((err: unknown) => {
            failure ??= err;
            // The other lanes stop too, and are waited for before the partial folder goes.
            stop.abort();
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, objects.length) }, lane));
      if (failure !== undefined) throw failure;
      report(progress);
      await rm(folder, { recursive: true, force: true });
      await rename(partial, folder);
    } catch (err) {
      await rm(partial, { recursive: true, force: true });
      if (signal.aborted) {
        const where = progress ? ` after ${progress.filesDone} of ${progress.filesTotal} files` : '';
        throw new WorkbenchError('CANCELLED', `The download of run ${run.runId} of ${run.job} was stopped${where}; nothing of it was kept. Open the run again to download it.`);
      }
      throw err instanceof WorkbenchError ? err : new WorkbenchError('UNAVAILABLE', `The download of run ${run.runId} of ${run.job} failed: ${(err as Error).message}`);
    } finally {
      signal.removeEventListener('abort', onCancel);
      s3.destroy();
    }
  }
}

async function isFolder(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() === true;
}

/** The objects under `prefix` (names relative to it), folder markers left out. */
async function listObjects(s3: S3Client, bucket: string, prefix: string, signal: AbortSignal): Promise<OutputFile[]> {
  const found: OutputFile[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }), { abortSignal: signal });
    for (const o of page.Contents ?? []) {
      if (!o.Key || o.Key.endsWith('/')) continue;
      found.push({ name: o.Key.slice(prefix.length), bytes: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}
