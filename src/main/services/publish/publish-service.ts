import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { WorkbenchError } from '../../../shared/errors.ts';
import { PublishRequest, type PublishProgress, type PublishResult, type PublishScan } from '../../../shared/publish-calls.ts';
import { describeZodError } from '../../zod-message.ts';
import { awsError } from '../credentials/aws-errors.ts';
import { findingKey, runPublishGuard } from './guard.ts';
import { contentHeaders, putFile } from './s3-put.ts';

export interface PublishServiceOptions {
  /** A finished run's downloaded output folder on this computer, and its job's name. */
  runOutput: (runId: string) => Promise<{ folder: string; jobName: string }>;
  buckets: () => Promise<{ public?: string | undefined; private?: string | undefined }>;
  /** A fresh S3 client for the active AWS profile. */
  s3: () => Promise<S3Client>;
  /** resources/worker/publish_guard.py */
  guardScript: string;
  onProgress: (progress: PublishProgress) => void;
}

interface LocalFile {
  rel: string;
  path: string;
  bytes: number;
}

/**
 * Publishing a run's output to S3 by hand. The guard is the worker's own publish_guard.py (one
 * implementation for scheduled and by-hand publishing); a public publish scans again just
 * before uploading and refuses unless every finding then present was confirmed by the user.
 */
export class PublishService {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly options: PublishServiceOptions) {}

  async scan(runId: string): Promise<PublishScan> {
    const { folder, jobName } = await this.options.runOutput(runId);
    const files = await listFiles(folder);
    const guard = await runPublishGuard(this.options.guardScript, folder);
    const buckets = await this.options.buckets();
    return {
      files: files.length,
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
      findings: guard.findings.map((f) => ({ ...f, key: findingKey(f) })),
      truncated: guard.truncated,
      buckets: { public: buckets.public ?? '', private: buckets.private ?? '' },
      prefix: `${jobName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'job'}/${runId}`,
    };
  }

  async start(raw: PublishRequest): Promise<PublishResult> {
    const parsed = PublishRequest.safeParse(raw);
    if (!parsed.success) throw new WorkbenchError('BAD_INPUT', `Cannot publish: ${describeZodError(parsed.error)}`);
    const request = parsed.data;
    if (this.running.has(request.publishId)) throw new WorkbenchError('BAD_INPUT', `A publish with id ${request.publishId} is already running.`);
    const buckets = await this.options.buckets();
    const bucket = request.visibility === 'public' ? buckets.public : buckets.private;
    if (!bucket) throw new WorkbenchError('BAD_INPUT', `Set the ${request.visibility} bucket in Settings first.`);
    const { folder } = await this.options.runOutput(request.runId);
    const files = await listFiles(folder);
    if (files.length === 0) throw new WorkbenchError('NOT_FOUND', 'This run has no downloaded output to publish; download it first.');
    if (request.visibility === 'public') await this.checkConfirmed(folder, request.confirmed);

    const abort = new AbortController();
    this.running.set(request.publishId, abort);
    const prefix = request.prefix.replace(/\/+$/, '');
    const progress: PublishProgress = { publishId: request.publishId, filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: files.reduce((s, f) => s + f.bytes, 0) };
    const s3 = await this.options.s3();
    try {
      this.options.onProgress({ ...progress });
      for (const file of files) {
        if (abort.signal.aborted) throw new WorkbenchError('CANCELLED', `Publishing was stopped after ${progress.filesDone} of ${progress.filesTotal} files; what was uploaded stays in s3://${bucket}/${prefix}/.`);
        await putFile(s3, bucket, `${prefix}/${file.rel}`, file.path, contentHeaders(file.rel));
        progress.filesDone += 1;
        progress.bytesDone += file.bytes;
        this.options.onProgress({ ...progress });
      }
    } catch (err) {
      throw awsError(err, `publish to s3://${bucket}/${prefix}/`);
    } finally {
      this.running.delete(request.publishId);
      s3.destroy();
    }
    return { bucket, prefix, files: progress.filesDone, bytes: progress.bytesDone, url: `s3://${bucket}/${prefix}/` };
  }

  cancel(publishId: string): boolean {
    const abort = this.running.get(publishId);
    abort?.abort();
    return abort !== undefined;
  }

  /** Scans again now: the output may have changed since the user looked. */
  private async checkConfirmed(folder: string, confirmed: readonly string[]): Promise<void> {
    const guard = await runPublishGuard(this.options.guardScript, folder);
    const yes = new Set(confirmed);
    const open = guard.findings.filter((f) => !yes.has(findingKey(f)));
    if (open.length > 0) {
      const first = open[0]!;
      throw new WorkbenchError('BAD_INPUT', `The publish guard found ${open.length} thing(s) in the output that look like raw data and were not confirmed (first: ${first.kind} in ${first.file}${first.line ? ` line ${first.line}` : ''}, ${first.sample}). Confirm each, or publish privately.`);
    }
    if (guard.truncated) {
      throw new WorkbenchError('BAD_INPUT', 'The publish guard found more than it lists; the output holds too much that looks like raw data to confirm one by one. Clean the output, or publish privately.');
    }
  }
}

/** Regular files under a folder (links are not followed), sorted by path. */
async function listFiles(folder: string): Promise<LocalFile[]> {
  const root = await realpath(folder).catch(() => {
    throw new WorkbenchError('NOT_FOUND', `The run's output folder ${folder} is gone.`);
  });
  const found: LocalFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push({ rel: relative(root, path).split(sep).join('/'), path, bytes: (await stat(path)).size });
    }
  };
  await walk(root);
  return found;
}
