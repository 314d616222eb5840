import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Content-Type (and Content-Encoding for .gz, as run_job_io.py sets them) of a published file. */
export function contentHeaders(name: string): { ContentType: string; ContentEncoding?: string } {
  if (name.endsWith('.gz')) return { ContentType: contentType(name.slice(0, -3)), ContentEncoding: 'gzip' };
  return { ContentType: contentType(name) };
}

const TYPES: Record<string, string> = {
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  log: 'text/plain',
  json: 'application/json',
  jsonl: 'application/json',
  html: 'text/html',
  png: 'image/png',
  svg: 'image/svg+xml',
  tar: 'application/x-tar',
};

function contentType(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  return TYPES[ext] ?? 'application/octet-stream';
}

/** Streams a local file to S3 (one PutObject: files up to 5 GiB), with the given headers. */
export async function putFile(s3: S3Client, bucket: string, key: string, path: string, headers: { ContentType?: string; ContentEncoding?: string } = {}): Promise<number> {
  const size = (await stat(path)).size;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(path), ContentLength: size, ...headers }));
  return size;
}

/** Whether the key is already there (content-addressed uploads are skipped when it is). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (err as { name?: string }).name === 'NotFound') return false;
    throw err;
  }
}
