import { z } from 'zod';
import { call } from './call-spec.ts';
import { RunResult } from './model.ts';
import { RunRecordStatus, ScheduleBackendKind, ScheduleName } from './schedule.ts';

/**
 * The `results:*` part of the contract (spread into contract.ts): scheduled runs in the Results
 * view. A run published on this computer (local or worker schedule) is read where it is; one
 * published to S3 is downloaded once into the app's results folder, with progress, and read there.
 */

/** A scheduled run's id as run-job.sh takes it: one path segment of letters, digits, ".", "_", "-". */
export const ScheduledRunId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a run id as the job's history lists it: letters, digits, '.', '_' and '-', such as 2026-12-01T06-30-00Z");

export const DownloadId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a download id (letters, digits, _ and -)');

/** One ended run of a schedule, as the Results view lists it. */
export const ScheduledRun = z.object({
  job: ScheduleName,
  runId: ScheduledRunId,
  backend: ScheduleBackendKind,
  status: RunRecordStatus,
  scheduledFor: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string(),
  filesPublished: z.number().int(),
  bytesPublished: z.number().int(),
  /** Where its output was published: a folder on this computer or an s3:// URL. */
  output: z.string(),
  /** Its output can be read here now (published here, or downloaded from S3 already). */
  here: z.boolean(),
  message: z.string().nullable(),
});
export type ScheduledRun = z.infer<typeof ScheduledRun>;

export const ScheduledRuns = z.object({
  runs: z.array(ScheduledRun),
  unavailable: z.array(z.object({ job: ScheduleName, message: z.string() })),
});
export type ScheduledRuns = z.infer<typeof ScheduledRuns>;

/** A scheduled run's output on this computer: its folder and files. */
export const ScheduledRunFiles = z.object({
  job: ScheduleName,
  runId: ScheduledRunId,
  /** The folder the files are in (the published folder, or the downloaded copy of an S3 run). */
  folder: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int() })),
  /** Where the files came from: the same folder, or the s3:// URL they were downloaded from. */
  source: z.string(),
});
export type ScheduledRunFiles = z.infer<typeof ScheduledRunFiles>;

export const ResultsDownloadProgress = z.object({
  downloadId: DownloadId,
  job: ScheduleName,
  runId: ScheduledRunId,
  filesDone: z.number().int(),
  filesTotal: z.number().int(),
  bytesDone: z.number().int(),
  bytesTotal: z.number().int(),
});
export type ResultsDownloadProgress = z.infer<typeof ResultsDownloadProgress>;

const RunRef = { job: ScheduleName, runId: ScheduledRunId };

export const resultsCalls = {
  'results:scheduled-runs': call(
    z.object({ job: ScheduleName.optional() }).strict().optional(),
    ScheduledRuns,
    "Ended runs of the schedules (or of one job), newest first, with where each one's output is and whether it is here; and the jobs whose runs could not be listed now (AWS not reachable), with why.",
  ),
  'results:open-scheduled': call(
    z.object({ ...RunRef, downloadId: DownloadId.optional() }).strict(),
    ScheduledRunFiles,
    "A scheduled run's output files on this computer; one published to S3 is downloaded first (progress on results:download-progress keyed by downloadId), and opened from that copy afterwards.",
  ),
  'results:scheduled-result': call(
    z.object({ ...RunRef, maxBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(4 * 1024 * 1024), name: z.string().min(1).max(4096).optional() }).strict(),
    RunResult.nullable(),
    "The start of a scheduled run's output file (`name`, default the first), once the run is opened here.",
  ),
  'results:cancel-download': call(z.object({ downloadId: DownloadId }).strict(), z.boolean(), 'Stop downloading a scheduled run from S3 (nothing half-done is kept); false when it is not running.'),
} as const;

export const resultsEvents = {
  /** Keyed by download id: files and bytes of a scheduled run's S3 output downloaded so far. */
  'results:download-progress': ResultsDownloadProgress,
} as const;
