import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PublishService } from '../../../../../src/main/services/publish/publish-service.ts';
import type { PublishProgress } from '../../../../../src/shared/publish-calls.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const GUARD = join(process.cwd(), 'resources', 'worker', 'publish_guard.py');
const RUN_ID = '20261129-120000-a1b2c3';

describe('publishing a run’s output to S3 by hand (moto S3, the real publish guard)', () => {
  const moto = useMoto();
  let s3: S3Client;
  let folder: string;
  let progress: PublishProgress[];
  let buckets: { public?: string; private?: string };
  let service: PublishService;

  beforeAll(async () => {
    s3 = new S3Client(moto.clientConfig());
  });
  afterAll(async () => {
    s3?.destroy();
  });
  beforeEach(async () => {
    await moto.reset();
    for (const bucket of ['wb-public', 'wb-private']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    folder = join(await useTempDir('publish'), 'output');
    await mkdir(join(folder, 'parts'), { recursive: true });
    await writeFile(join(folder, 'os.csv'), 'os,count\nLinux,12\nWindows_NT,40\n');
    await writeFile(join(folder, 'parts', 'contacts.csv.gz'), gzipSync('who,n\nana@example.org,1\n'));
    progress = [];
    buckets = { public: 'wb-public', private: 'wb-private' };
    service = new PublishService({
      runOutput: async () => ({ folder, jobName: 'OS distribution' }),
      buckets: async () => buckets,
      s3: async () => new S3Client(moto.clientConfig()),
      guardScript: GUARD,
      onProgress: (p) => progress.push(p),
    });
  });

  async function keys(bucket: string): Promise<string[]> {
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listing.Contents ?? []).map((o) => o.Key ?? '').sort();
  }

  it('scans the output with the guard: files, bytes, findings with redacted samples, a suggested prefix', async () => {
    const scan = await service.scan(RUN_ID);
    expect(scan).toMatchObject({ files: 2, truncated: false, buckets: { public: 'wb-public', private: 'wb-private' }, prefix: `OS-distribution/${RUN_ID}` });
    expect(scan.findings).toEqual([{ file: 'parts/contacts.csv.gz', line: 2, kind: 'email', sample: 'a***@***.org', key: 'email|parts/contacts.csv.gz|2|a***@***.org' }]);
    expect(JSON.stringify(scan)).not.toContain('ana@example.org');
  });

  it('publishes privately without the guard: every file, gzip files with Content-Encoding gzip, progress to the end', async () => {
    const result = await service.start({ publishId: 'p1', runId: RUN_ID, visibility: 'private', prefix: 'os/2026-11-29' });
    expect(result).toMatchObject({ bucket: 'wb-private', prefix: 'os/2026-11-29', files: 2, url: 's3://wb-private/os/2026-11-29/' });
    expect(await keys('wb-private')).toEqual(['os/2026-11-29/os.csv', 'os/2026-11-29/parts/contacts.csv.gz']);
    const gz = await s3.send(new GetObjectCommand({ Bucket: 'wb-private', Key: 'os/2026-11-29/parts/contacts.csv.gz' }));
    expect(gz.ContentEncoding).toBe('gzip');
    expect(gz.ContentType).toBe('text/csv');
    expect(gunzipSync(Buffer.from(await gz.Body!.transformToByteArray())).toString()).toContain('who,n');
    expect(progress.at(0)).toMatchObject({ filesDone: 0, filesTotal: 2 });
    expect(progress.at(-1)).toMatchObject({ publishId: 'p1', filesDone: 2, filesTotal: 2, bytesDone: result.bytes, bytesTotal: result.bytes });
  });

  it('a public publish needs every finding confirmed; unconfirmed, nothing is uploaded', async () => {
    const scan = await service.scan(RUN_ID);
    await expect(service.start({ publishId: 'p2', runId: RUN_ID, visibility: 'public', prefix: 'os' })).rejects.toThrow(/1 thing\(s\) .* not confirmed \(first: email in parts\/contacts\.csv\.gz line 2/);
    expect(await keys('wb-public')).toEqual([]);

    const result = await service.start({ publishId: 'p3', runId: RUN_ID, visibility: 'public', prefix: 'os', confirmed: scan.findings.map((f) => f.key) });
    expect(result.files).toBe(2);
    expect(await keys('wb-public')).toEqual(['os/os.csv', 'os/parts/contacts.csv.gz']);
  });

  it('scans again before a public publish: something new since the confirmation blocks it', async () => {
    const scan = await service.scan(RUN_ID);
    await writeFile(join(folder, 'late.txt'), 'seen from 10.1.2.3\n');
    await expect(service.start({ publishId: 'p4', runId: RUN_ID, visibility: 'public', prefix: 'os', confirmed: scan.findings.map((f) => f.key) })).rejects.toThrow(/ip-address in late\.txt line 1/);
    expect(await keys('wb-public')).toEqual([]);
  });

  it('says what to set when the bucket is missing, and refuses a prefix that climbs out', async () => {
    buckets = { private: 'wb-private' };
    await expect(service.start({ publishId: 'p5', runId: RUN_ID, visibility: 'public', prefix: 'os' })).rejects.toThrow(/Set the public bucket in Settings/);
    await expect(service.start({ publishId: 'p6', runId: RUN_ID, visibility: 'private', prefix: 'os/../../x' })).rejects.toThrow(/without "\." or "\.\."/);
  });
});
