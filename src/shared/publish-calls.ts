import { z } from 'zod';
import { call } from './call-spec.ts';
import { RunId } from './model.ts';
import { GuardFinding, Visibility } from './schedule.ts';

/**
 * The `publish:*` part of the contract (spread into contract.ts): publishing a finished run's
 * output to S3 by hand from the results view. A public publish runs the publish guard first and
 * goes ahead only when the user has confirmed every finding, one by one.
 */

export const PublishId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a publish id (letters, digits, _ and -)');

/** Where in the bucket: a relative key prefix, no "..", no leading "/". */
export const KeyPrefix = z
  .string()
  .min(1, 'a folder in the bucket, such as os-distribution/2026-11-29')
  .max(512)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, 'a folder in the bucket of letters, digits, ".", "_", "-" and "/"')
  .refine((p) => !p.split('/').some((part) => part === '..' || part === '.'), 'a folder in the bucket without "." or ".."');

/** A guard finding with the key the user confirms it by. */
export const ScanFinding = GuardFinding.extend({ key: z.string() });
export type ScanFinding = z.infer<typeof ScanFinding>;

export const PublishScan = z.object({
  files: z.number().int(),
  bytes: z.number().int(),
  findings: z.array(ScanFinding),
  /** The guard stopped listing findings (there are more than shown). */
  truncated: z.boolean(),
  /** The buckets of Settings ('' when not set). */
  buckets: z.object({ public: z.string(), private: z.string() }),
  /** A suggested key prefix: the job name and the run id. */
  prefix: z.string(),
});
export type PublishScan = z.infer<typeof PublishScan>;

export const PublishRequest = z
  .object({
    publishId: PublishId,
    runId: RunId,
    visibility: Visibility,
    prefix: KeyPrefix,
    /** Keys of the findings the user confirmed; a public publish needs every one. */
    confirmed: z.array(z.string().max(2048)).max(10_000).default([]),
  })
  .strict();
export type PublishRequest = z.input<typeof PublishRequest>;

export const PublishResult = z.object({
  bucket: z.string(),
  prefix: z.string(),
  files: z.number().int(),
  bytes: z.number().int(),
  /** s3://bucket/prefix/ */
  url: z.string(),
});
export type PublishResult = z.infer<typeof PublishResult>;

export const PublishProgress = z.object({
  publishId: PublishId,
  filesDone: z.number().int(),
  filesTotal: z.number().int(),
  bytesDone: z.number().int(),
  bytesTotal: z.number().int(),
});
export type PublishProgress = z.infer<typeof PublishProgress>;

export const publishCalls = {
  'publish:scan': call(z.object({ runId: RunId }).strict(), PublishScan, "A finished run's downloaded output as it would be published: files, bytes, and the publish guard's findings."),
  'publish:start': call(PublishRequest, PublishResult, "Publish a run's output to the public or private bucket under a prefix (public: every guard finding confirmed); progress on publish:progress."),
  'publish:cancel': call(z.object({ publishId: PublishId }).strict(), z.boolean(), 'Stop a publish between files; false when it is not running.'),
} as const;

export const publishEvents = {
  /** Keyed by publish id: files and bytes uploaded so far. */
  'publish:progress': PublishProgress,
} as const;
