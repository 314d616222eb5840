import { z } from 'zod';
import { RunRequest } from './model.ts';

/**
 * Where a map/reduce job's input lives: a folder in the v2 layout on the worker, or the same
 * layout under an S3 prefix (`s3://BUCKET/PREFIX`). Either is what a run gives the runner as
 * `--data-dir` and a package as DATA_DIR. S3 sources are listed and read with the active AWS
 * profile and region of Settings on this computer, and with the worker's own credentials (its
 * instance profile on EC2, the user's setup over SSH) on a worker.
 */

/** A bucket name as S3 accepts it: 3-63 lower-case letters, digits, dots and dashes. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const S3_URL_MESSAGE = 'an S3 location such as s3://my-bucket/telemetry (a bucket name of 3-63 lower-case letters, digits, dots and dashes, then an optional prefix)';

export const S3Url = z
  .string()
  .max(1024)
  .refine((url) => parseS3Url(url) !== undefined, S3_URL_MESSAGE);

export const DataSourceName = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .refine((name) => !/\p{Cc}/u.test(name), 'a name without control characters');

export const DataSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder'), path: z.string().min(1).max(4096).refine((p) => p.startsWith('/'), 'an absolute folder path such as /data/telemetry'), name: DataSourceName.optional() }).strict(),
  z.object({ kind: z.literal('s3'), url: S3Url, name: DataSourceName.optional() }).strict(),
]);
export type DataSource = z.infer<typeof DataSource>;

/** `s3://BUCKET[/PREFIX]` split; the prefix never starts with a slash and ends with one unless empty. */
export function parseS3Url(url: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!match || !BUCKET_NAME.test(match[1] ?? '')) return undefined;
  const rest = (match[2] ?? '').replace(/\/+$/, '');
  if (/(^|\/)\.{1,2}(\/|$)|\/\/|\p{Cc}/u.test(rest)) return undefined;
  return { bucket: match[1] as string, prefix: rest ? `${rest}/` : '' };
}

/** Whether a data field's text names an S3 location rather than a folder. */
export function isS3Location(text: string): boolean {
  return text.trim().startsWith('s3://');
}

/** A data field's text as a source: `s3://...` is S3, anything else a folder path. */
export function dataSourceOf(text: string): DataSource {
  const trimmed = text.trim();
  return isS3Location(trimmed) ? { kind: 's3', url: trimmed } : { kind: 'folder', path: trimmed };
}

/** What a run gives the runner as `--data-dir` (and a package as DATA_DIR). */
export function dataLocation(source: DataSource): string {
  return source.kind === 's3' ? source.url : source.path;
}

/** A source's label in lists: its name and where it is. */
export function dataSourceLabel(source: DataSource): string {
  const where = dataLocation(source);
  return source.name ? `${source.name} (${where})` : where;
}

/** Saved data sources, as Settings lists them. */
export const SavedDataSources = z.array(DataSource).max(200);

/**
 * Map/reduce input the local engine reads per core and second, in COMPRESSED bytes (what a
 * listing counts). From bench/README.md (mapreduce-spark-local): the local engine read the
 * 100 MB sample set (13 MB compressed) at 27.5 MB/s of text on about one free core, which is
 * 3.6 MB/s of compressed input per core.
 */
export const COMPRESSED_BYTES_PER_CORE_SECOND = 3.6e6;

/** S3 prices (us-east-1, S3 Standard) used for the transfer cost of reading a source. */
export const S3_PRICES = {
  /** GET requests, per request ($0.0004 per 1,000). */
  getRequestUsd: 0.0004 / 1000,
  /** LIST requests, per request ($0.005 per 1,000). */
  listRequestUsd: 0.005 / 1000,
  /** Data transfer out to the internet, per GB (first 10 TB a month). */
  internetUsdPerGb: 0.09,
  /** Data transfer from the bucket's region to another AWS region, per GB. */
  interRegionUsdPerGb: 0.02,
} as const;

export const MatchPreviewRequest = z
  .object({
    source: DataSource,
    /** The filter JSON's text; when absent, the job's filter.json. */
    filter: z.string().min(1).max(1024 * 1024).optional(),
    /** The job whose filter.json applies when no filter is given. */
    job: RunRequest.shape.source.optional(),
    /** The worker that would run the job ('local' is this computer). */
    worker: z.string().min(1).max(128).default('local'),
    /** Keys listed first (at most). */
    first: z.number().int().min(0).max(100).default(10),
  })
  .strict()
  .refine((r) => r.filter !== undefined || (r.job !== undefined && r.job.kind !== 'package'), 'a filter, or a job (example or folder) whose filter.json applies');
export type MatchPreviewRequest = z.input<typeof MatchPreviewRequest>;

export const TransferCost = z.object({
  /** Where the worker reads from: the same region as the bucket, another AWS region, or the internet. */
  path: z.enum(['same-region', 'other-region', 'internet']),
  bucketRegion: z.string(),
  /** The worker's region, when it is in AWS. */
  workerRegion: z.string().optional(),
  getRequests: z.number().int().nonnegative(),
  listRequests: z.number().int().nonnegative(),
  requestsUsd: z.number().nonnegative(),
  transferUsd: z.number().nonnegative(),
  totalUsd: z.number().nonnegative(),
});
export type TransferCost = z.infer<typeof TransferCost>;

export const MatchPreview = z.object({
  files: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  /** The first matching keys (S3, whole keys) or paths (folder, relative to it), sorted, as the runner's --list-only names them. */
  first: z.array(z.string()),
  /** Folders or prefixes listed to find them (pruned by the filter level by level). */
  prefixesListed: z.number().int().nonnegative(),
  /** The worker's cores the estimate assumes, and the estimated run time in seconds. */
  cores: z.number().int().positive(),
  estimateSeconds: z.number().nonnegative(),
  /** For S3 sources: what reading the matched files costs; absent for folders. */
  cost: TransferCost.optional(),
});
export type MatchPreview = z.infer<typeof MatchPreview>;

/** The run time the local engine needs for `bytes` of compressed input on `cores` cores. */
export function estimateSeconds(bytes: number, cores: number): number {
  return bytes / (COMPRESSED_BYTES_PER_CORE_SECOND * Math.max(1, cores));
}

/** The transfer cost of reading `bytes` in `files` GETs after `lists` LIST calls. */
export function transferCost(files: number, bytes: number, lists: number, bucketRegion: string, workerRegion: string | undefined): TransferCost {
  const path = workerRegion === undefined ? 'internet' : workerRegion === bucketRegion ? 'same-region' : 'other-region';
  const requestsUsd = files * S3_PRICES.getRequestUsd + lists * S3_PRICES.listRequestUsd;
  const perGb = path === 'internet' ? S3_PRICES.internetUsdPerGb : path === 'other-region' ? S3_PRICES.interRegionUsdPerGb : 0;
  const transferUsd = (bytes / 1e9) * perGb;
  return {
    path,
    bucketRegion,
    ...(workerRegion !== undefined && { workerRegion }),
    getRequests: files,
    listRequests: lists,
    requestsUsd,
    transferUsd,
    totalUsd: requestsUsd + transferUsd,
  };
}

/** Copying the generated sample data set to S3 (workbench sample-data --to s3://...). */
export const UploadSampleRequest = z.object({ to: S3Url }).strict();

/** Progress of that copy, keyed by the destination URL. */
export const UploadProgress = z.object({
  to: z.string(),
  files: z.number().int().nonnegative(),
  filesTotal: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  bytesTotal: z.number().int().nonnegative(),
});
export type UploadProgress = z.infer<typeof UploadProgress>;
