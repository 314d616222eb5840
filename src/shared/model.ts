import { z } from 'zod';
import { Engine } from './packager-model.ts';
import { WorkerId } from './worker-model.ts';

/** Where the core is running: decides what the UI can offer (e.g. desktop notifications). */
export const HostKind = z.enum(['electron', 'web', 'cli']);
export type HostKind = z.infer<typeof HostKind>;

export const Theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof Theme>;

/**
 * An S3 bucket name, or '' to unset it. Optional without a default on purpose: a settings
 * patch is parsed with this schema, and a default would reset the bucket on every other change.
 */
const BucketSetting = z
  .string()
  .regex(/^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lower-case letters, digits, "." and "-"), or empty')
  .optional();

export const Settings = z.object({
  theme: Theme,
  /** Regions the worker views look at by default. */
  regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1')).max(32),
  /** Hours a new EC2 worker lives before it kills itself; never more than 24. */
  workerLifetimeHours: z.number().int().min(1).max(24),
  /** Download a remote run's output as soon as it succeeds (else it stays on the worker until asked for). */
  autoDownloadResults: z.boolean().default(true),
  /** The size limit of the runner's cache of S3 data on each machine that runs a job (GiB; 0 keeps nothing). */
  s3CacheGb: z.number().min(0, 'a cache size of 0 GiB or more').max(100_000, 'a cache size of at most 100000 GiB').default(10),
  /** S3 buckets of scheduled jobs and "Publish to S3": output by visibility, and the private code bucket (unset or '' = not set). */
  publicBucket: BucketSetting,
  privateBucket: BucketSetting,
  codeBucket: BucketSetting,
  /** Where AWS itself mails alerts of scheduled jobs (subscribed to the app's SNS topic); unset or '' = none. */
  alertEmail: z.string().max(254).regex(/^$|^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'an e-mail address such as you@example.org, or empty').optional(),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  regions: ['us-east-1'],
  workerLifetimeHours: 24,
  autoDownloadResults: true,
  s3CacheGb: 10,
};

/**
 * A partial update: only the named keys change. Fields with a default (kept so older settings
 * files still parse) lose it here: zod applies defaults inside partial(), which would reset them
 * on every unrelated change.
 */
export const SettingsPatch = Settings.extend({ autoDownloadResults: z.boolean(), s3CacheGb: Settings.shape.s3CacheGb.removeDefault() }).partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

/** A call that repairs what a notice reports, offered as a button beside it. */
export const NoticeAction = z.object({ label: z.string(), call: z.enum(['ec2:find-workers']) });
export type NoticeAction = z.infer<typeof NoticeAction>;

export const Notice = z.object({
  /** Kept until dismissed (app:dismiss-notice) when it has an id; else shown for this start only. */
  id: z.string().optional(),
  level: z.enum(['info', 'warning', 'error']),
  message: z.string(),
  action: NoticeAction.optional(),
});
export type Notice = z.infer<typeof Notice>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  host: HostKind,
  platform: z.string(),
  /** Things the user should know since start (a corrupt settings file set aside, ...). */
  notices: z.array(Notice),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** The runner's machine-readable progress (`@progress {json}` lines, see resources/worker/mapreduce). */
export const JobProgress = z
  .object({
    phase: z.string(),
    files_done: z.number(),
    files_total: z.number(),
    bytes: z.number(),
    bytes_total: z.number(),
    records: z.number(),
    bad_lines: z.number(),
    reducers_done: z.number(),
    reducers_total: z.number(),
    elapsed_s: z.number(),
  })
  .partial()
  .passthrough();
export type JobProgress = z.infer<typeof JobProgress>;

/**
 * lost: the run stopped without recording an exit code (the worker rebooted); worker-gone: the
 * worker itself, or the run's folder on it, no longer exists.
 */
export const RunStatus = z.enum(['running', 'succeeded', 'failed', 'cancelled', 'timed-out', 'lost', 'worker-gone']);
export type RunStatus = z.infer<typeof RunStatus>;

/** A map/reduce job to run: the job folder, its script and filter, and the runner's options. */
export const RunRequest = z.object({
  /** A job folder on this computer (copied into the run), or an example's name. */
  source: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('example'), name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an example name') }),
    z.object({ kind: z.literal('folder'), path: z.string().min(1).max(4096) }),
    /** A packaged job (.tar.gz): unpacked into the run, its own command run (a "test run"). */
    z.object({ kind: z.literal('package'), path: z.string().min(1).max(4096) }),
  ]),
  /** The map/reduce script inside the job folder. */
  script: z.string().min(1).max(255).default('job.py'),
  /** The filter JSON text; when absent the job folder's filter.json is used. */
  filter: z.string().max(1_000_000).optional(),
  /**
   * The data set to read, given to the runner as --data-dir (a package gets it as DATA_DIR): a
   * folder in the v2 layout on the worker, or s3://BUCKET/PREFIX (the same layout, read with the
   * active AWS profile on this computer, with the worker's own credentials on a worker); default:
   * the sample data. See data-source.ts.
   */
  dataDir: z.string().min(1).max(4096).optional(),
  mappers: z.number().int().min(1).max(256).default(4),
  reducers: z.number().int().min(1).max(256).default(1),
  // Fractions allowed (0.5 = 30 s); at most a day.
  timeoutMinutes: z.number().min(1 / 60).max(1440).default(120),
  sorted: z.boolean().default(true),
  /** Where to run: 'local' (this computer, the default) or an SSH/EC2 worker's id. */
  worker: WorkerId.default('local'),
  /** What runs the map/reduce job: the runner's own processes, or Apache Spark (pyspark) on the worker. */
  engine: Engine.default('local'),
});
export type RunRequest = z.input<typeof RunRequest>;

/** One file of a run's output folder (a path inside it) and whether it has been downloaded. */
export const RunOutput = z.object({
  name: z.string(),
  bytes: z.number(),
  // A record without this field is one whose output was always copied here in full.
  downloaded: z.boolean().default(true),
});
export type RunOutput = z.infer<typeof RunOutput>;

/** A run's id: the UTC second it was started (`yyyymmdd-hhmmss`) and six random hex digits. */
export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{6}$/;
export const RunId = z.string().regex(RUN_ID_PATTERN, 'a run id such as 20261129-120000-a1b2c3');

/** The id of a run started at `now`; `random` is six hex digits (three random bytes). */
export function newRunId(now: Date, random: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${random}`;
}

export const Run = z.object({
  id: RunId,
  worker: z.string(),
  jobName: z.string(),
  request: RunRequest,
  status: RunStatus,
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** For the user: why it failed, how it ended. */
  message: z.string().optional(),
  progress: JobProgress.optional(),
  /** Where downloaded output files are on this computer (`<resultDir>/<name>`). */
  resultDir: z.string().optional(),
  /** The folder collected as output, relative to the run dir (default output/; a Test run's is what run-job.sh published, inside published/). */
  outputDir: z.string().optional(),
  /** The files of the run's output folder once it has ended, with sizes and whether each is here. */
  outputs: z.array(RunOutput).default([]),
  /** Things the user should know about the run (e.g. its timeout outlasts the worker). */
  warnings: z.array(z.string()).default([]),
  /** The EC2 worker's deadline when the run started: the run and its output end with it. */
  workerDeadline: z.string().optional(),
  /** The worker went away before the output was downloaded: what it shows is all there is. */
  resultsLost: z.boolean().optional(),
  /** An output download in progress (bytes over the connection). */
  download: z.object({ bytesDone: z.number(), bytesTotal: z.number() }).optional(),
});
export type Run = z.infer<typeof Run>;

export const Example = z.object({
  name: z.string(),
  description: z.string(),
  files: z.array(z.string()),
});
export type Example = z.infer<typeof Example>;

export const SampleData = z.object({
  path: z.string(),
  exists: z.boolean(),
  files: z.number(),
  /** On disk: the files are compressed. */
  bytes: z.number(),
  /** The records uncompressed (what a size in MB asks for), when the generator's summary is there. */
  recordBytes: z.number().optional(),
});
export type SampleData = z.infer<typeof SampleData>;

/** A piece of a run's log, by byte offset: readers resume from `nextOffset`, losing nothing. */
export const LogChunk = z.object({
  runId: z.string(),
  offset: z.number().int().nonnegative(),
  nextOffset: z.number().int().nonnegative(),
  text: z.string(),
  /** True when the run has ended and nothing follows. */
  done: z.boolean(),
});
export type LogChunk = z.infer<typeof LogChunk>;

export const RunResult = z.object({ name: z.string(), text: z.string(), truncated: z.boolean() });
export type RunResult = z.infer<typeof RunResult>;
