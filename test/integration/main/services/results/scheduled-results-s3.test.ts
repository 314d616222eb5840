import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScheduledResults } from '../../../../../src/main/services/results/scheduled-results.ts';
import { AwsScheduleBackend } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { ScheduleService } from '../../../../../src/main/services/schedules/schedule-service.ts';
import { ScheduleStore } from '../../../../../src/main/services/schedules/schedule-store.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import type { ResultsDownloadProgress } from '../../../../../src/shared/results-calls.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';

const run = promisify(execFile);
const WORKER_DIR = join(process.cwd(), 'resources', 'worker');
const BUCKETS = { code: 'wb-code', private: 'wb-private', public: 'wb-public' };

describe('scheduled runs published to S3, opened as results (moto)', () => {
  const moto = useMoto();
  let dir: string;
  let dataDir: string;
  let schedules: ScheduleService;
  let results: ScheduledResults;
  let progress: ResultsDownloadProgress[];
  let onProgress: (p: ResultsDownloadProgress) => void;
  let historyReads: number;
  const clients: S3Client[] = [];
  const s3 = () => {
    const client = new S3Client(moto.clientConfig());
    clients.push(client);
    return client;
  };
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  /** A package whose run.sh writes `files` (name → text) into output/, made with tar. */
  async function pack(name: string, files: Record<string, string>): Promise<string> {
    const pkg = join(dir, name);
    const lines = Object.entries(files).map(([file, text]) => `mkdir -p "output/$(dirname '${file}')"\nprintf '${text}' > 'output/${file}'`);
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, 'run.sh'), `#!/bin/sh\nset -e\n${lines.join('\n')}\ngzip -k output/metrics.tsv 2>/dev/null || true\necho done\n`, { mode: 0o755 });
    const tarball = join(dir, `${name}.tar.gz`);
    await run('tar', ['-czf', tarball, '-C', pkg, '.']);
    return tarball;
  }

  /** One run as an EC2 instance does it: run-job.sh publishing to the job's prefix in S3. */
  async function runOnS3(runId: string, tarball: string): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' };
    delete env['AWS_PROFILE'];
    const args = ['--job', 'daily-os', '--run-id', runId, '--code', tarball, '--command', './run.sh', '--output-dir', 'output', '--timeout-minutes', '5', '--publish', 's3://wb-private/daily-os'];
    await run('sh', [join(WORKER_DIR, 'run-job.sh'), ...args], { env });
  }

  beforeEach(async () => {
    await moto.reset();
    dir = await useTempDir('scheduled-results-s3');
    dataDir = join(dir, 'app');
    await mkdir(dataDir);
    for (const bucket of Object.values(BUCKETS)) await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    const backend = new AwsScheduleBackend({
      clients: motoScheduleClients(moto),
      buckets: async () => BUCKETS,
      workerDir: WORKER_DIR,
      lookup: async (name) => store.get(name),
    });
    const store = new ScheduleStore(new DocumentStore(dataDir));
    schedules = new ScheduleService({ store, backend: async (kind) => (kind === 'aws' ? backend : 'not in this test') });
    progress = [];
    onProgress = (p) => progress.push(p);
    historyReads = 0;
    results = new ScheduledResults({
      schedules: { list: () => schedules.list(), history: (name) => (historyReads++, schedules.history(name)) },
      dataDir,
      downloadsDir: join(dataDir, 'results', 'scheduled'),
      s3: async () => new S3Client(moto.clientConfig()),
      onProgress: (p) => onProgress(p),
    });
    const first = await pack('v1', { 'metrics.tsv': 'Linux\\t3\\nWindows\\t5\\n' });
    await schedules.create({ name: 'daily-os', tarball: first, frequency: { kind: 'daily' }, backend: 'aws' });
    await runOnS3('2026-03-02T06-30-00Z', first);
    await runOnS3('2026-03-03T06-30-00Z', await pack('v2', { 'metrics.tsv': 'Linux\\t4\\nmacOS\\t1\\n', 'nested/notes.txt': 'second' }));
  }, 60_000);

  async function objectBytes(key: string): Promise<Buffer> {
    const answer = await s3().send(new GetObjectCommand({ Bucket: 'wb-private', Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  }

  it('lists the runs, downloads one with progress up to its total, the files as stored, and opens that copy the second time', async () => {
    const listed = await results.runs();
    expect(listed.unavailable).toEqual([]);
    expect(listed.runs.map((r) => [r.job, r.runId, r.status, r.backend, r.here, r.output])).toEqual([
      ['daily-os', '2026-03-03T06-30-00Z', 'succeeded', 'aws', false, 's3://wb-private/daily-os/runs/2026-03-03T06-30-00Z/data/'],
      ['daily-os', '2026-03-02T06-30-00Z', 'succeeded', 'aws', false, 's3://wb-private/daily-os/runs/2026-03-02T06-30-00Z/data/'],
    ]);
    await expect(results.result('daily-os', '2026-03-03T06-30-00Z', 1000)).rejects.toThrow(/not downloaded yet; open it/);

    const opened = await results.open('daily-os', '2026-03-03T06-30-00Z', 'dl-1');
    const prefix = 'daily-os/runs/2026-03-03T06-30-00Z/data/';
    expect(opened.files.map((f) => f.name)).toEqual(['metrics.tsv', 'metrics.tsv.gz', 'nested/notes.txt']);
    expect(opened.source).toBe(`s3://wb-private/${prefix}`);
    expect(opened.folder).toBe(join(dataDir, 'results', 'scheduled', 'daily-os', '2026-03-03T06-30-00Z'));
    // Byte for byte what S3 holds (the .gz as the gzip file it is).
    let total = 0;
    for (const file of opened.files) {
      const stored = await objectBytes(`${prefix}${file.name}`);
      expect(await readFile(join(opened.folder, ...file.name.split('/')))).toEqual(stored);
      expect(file.bytes).toBe(stored.length);
      total += stored.length;
    }
    const last = progress.at(-1)!;
    expect(last).toEqual({ downloadId: 'dl-1', job: 'daily-os', runId: '2026-03-03T06-30-00Z', filesDone: 3, filesTotal: 3, bytesDone: total, bytesTotal: total });
    expect(progress.every((p) => p.bytesTotal === total && p.bytesDone <= total)).toBe(true);
    expect(progress[0]).toMatchObject({ filesDone: 0, bytesDone: 0 });

    expect(await results.result('daily-os', '2026-03-03T06-30-00Z', 1000)).toEqual({ name: 'metrics.tsv', text: 'Linux\t4\nmacOS\t1\n', truncated: false });
    // A gzipped output file reads as what it holds.
    expect(await results.result('daily-os', '2026-03-03T06-30-00Z', 1000, 'metrics.tsv.gz')).toEqual({ name: 'metrics.tsv.gz', text: 'Linux\t4\nmacOS\t1\n', truncated: false });
    expect(await results.result('daily-os', '2026-03-03T06-30-00Z', 8, 'metrics.tsv')).toEqual({ name: 'metrics.tsv', text: 'Linux\t4\n', truncated: true });
    expect((await results.runs('daily-os')).runs.map((r) => r.here)).toEqual([true, false]);

    // Reading the runs' files one by one does not read every run record from S3 again each time.
    expect(historyReads).toBe(2);

    // The second open reads the copy: S3 is not asked (the objects are gone now) and no progress is sent.
    for (const file of opened.files) await s3().send(new DeleteObjectCommand({ Bucket: 'wb-private', Key: `${prefix}${file.name}` }));
    progress = [];
    const again = await results.open('daily-os', '2026-03-03T06-30-00Z', 'dl-2');
    expect(again.files).toEqual(opened.files);
    expect(progress).toEqual([]);
  });

  it('a cancelled download keeps nothing, says so, and the run can be downloaded later', async () => {
    // A larger file, so there is a download going to stop.
    await s3().send(new PutObjectCommand({ Bucket: 'wb-private', Key: 'daily-os/runs/2026-03-02T06-30-00Z/data/big.bin', Body: Buffer.alloc(8 * 1024 * 1024, 7) }));
    onProgress = (p) => {
      progress.push(p);
      if (p.filesDone === 0) expect(results.cancel('dl-3')).toBe(true);
    };
    await expect(results.open('daily-os', '2026-03-02T06-30-00Z', 'dl-3')).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringMatching(/was stopped after 0 of 3 files; nothing of it was kept/) });
    expect(await readdir(join(dataDir, 'results', 'scheduled', 'daily-os'))).toEqual([]);
    expect(results.cancel('dl-3')).toBe(false);

    onProgress = (p) => progress.push(p);
    const opened = await results.open('daily-os', '2026-03-02T06-30-00Z', 'dl-4');
    expect(opened.files.map((f) => [f.name, f.bytes])).toEqual([['big.bin', 8 * 1024 * 1024], ['metrics.tsv', 18], ['metrics.tsv.gz', expect.any(Number)]]);
    expect(progress.at(-1)).toMatchObject({ downloadId: 'dl-4', bytesDone: progress.at(-1)!.bytesTotal, filesDone: 3 });
    const listing = await s3().send(new ListObjectsV2Command({ Bucket: 'wb-private', Prefix: 'daily-os/runs/2026-03-02T06-30-00Z/data/' }));
    expect(progress.at(-1)!.bytesTotal).toBe((listing.Contents ?? []).reduce((sum, o) => sum + (o.Size ?? 0), 0));
  });

  it('a Cancel that arrives while the run is still being looked up stops its download before it starts', async () => {
    const opening = results.open('daily-os', '2026-03-02T06-30-00Z', 'dl-5');
    expect(results.cancel('dl-5')).toBe(true);
    await expect(opening).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(join(dataDir, 'results', 'scheduled', 'daily-os'))).toEqual([]);
    expect((await results.runs('daily-os')).runs.map((r) => r.here)).toEqual([false, false]);
  });

  it("data/ holds the latest run's set alone, and a run recorded before each run had its own folder opens that folder as it is", async () => {
    // The two runs wrote the same names: data/ is the newer run's set, nothing of the older beside it.
    const latest = await s3().send(new ListObjectsV2Command({ Bucket: 'wb-private', Prefix: 'daily-os/data/' }));
    expect((latest.Contents ?? []).map((o) => o.Key)).toEqual(['daily-os/data/metrics.tsv', 'daily-os/data/metrics.tsv.gz', 'daily-os/data/nested/notes.txt']);
    expect((await objectBytes('daily-os/data/metrics.tsv')).toString()).toBe('Linux\t4\nmacOS\t1\n');

    const record = JSON.parse((await objectBytes('daily-os/runs/2026-03-02T06-30-00Z.json')).toString('utf8')) as Record<string, unknown>;
    const legacy = { ...record, runId: '2026-02-23T06-30-00Z', startedAt: '2026-02-23T06:30:01Z', endedAt: '2026-02-23T06:30:09Z', output: 'daily-os/data/' };
    await s3().send(new PutObjectCommand({ Bucket: 'wb-private', Key: 'daily-os/runs/2026-02-23T06-30-00Z.json', Body: JSON.stringify(legacy) }));
    const opened = await results.open('daily-os', '2026-02-23T06-30-00Z', 'dl-6');
    expect(opened.files.map((f) => f.name)).toEqual(['metrics.tsv', 'metrics.tsv.gz', 'nested/notes.txt']);
    expect(await results.result('daily-os', '2026-02-23T06-30-00Z', 100)).toEqual({ name: 'metrics.tsv', text: 'Linux\t4\nmacOS\t1\n', truncated: false });
  });

  it('an object whose key would lead out of the run folder is refused and nothing is kept', async () => {
    await s3().send(new PutObjectCommand({ Bucket: 'wb-private', Key: 'daily-os/runs/2026-03-02T06-30-00Z/data/../../../escape.txt', Body: 'x' }));
    await expect(results.open('daily-os', '2026-03-02T06-30-00Z')).rejects.toThrow(/is not a file of the run's output/);
    expect(await readdir(join(dataDir, 'results', 'scheduled', 'daily-os'))).toEqual([]);
  });
});
