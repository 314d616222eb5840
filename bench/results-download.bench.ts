import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ScheduledResults } from '../src/main/services/results/scheduled-results.ts';
import type { HistoryRow, ScheduleView } from '../src/shared/schedule-calls.ts';
import { startMoto } from '../test/fixtures/moto.ts';
import type { Benchmark } from './harness.ts';

const FILES = 16;
const FILE_BYTES = 4 * 1024 * 1024;
const PREFIX = 'os-daily/data/2026-12-01T06-30-00Z/';

/**
 * Opening a scheduled run published to S3: ScheduledResults.open (list, download with progress
 * counting into a partial folder, rename) against the plain SDK doing the same listing and
 * GetObject-to-file downloads, both from one moto_server on loopback (64 MiB in 16 files).
 */
const benchmark: Benchmark = {
  name: 'results-download',
  async run() {
    const moto = await startMoto();
    const root = await mkdtemp(join(tmpdir(), 'workbench-bench-results-'));
    const s3 = new S3Client(moto.clientConfig());
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'wb-private' }));
      for (let i = 0; i < FILES; i++) {
        await s3.send(new PutObjectCommand({ Bucket: 'wb-private', Key: `${PREFIX}part-${String(i).padStart(5, '0')}`, Body: Buffer.alloc(FILE_BYTES, i) }));
      }
      const schedule = { name: 'os-daily', backend: 'aws' } as ScheduleView;
      const row: HistoryRow = {
        status: 'succeeded',
        runId: '2026-12-01T06-30-00Z',
        scheduledFor: '2026-12-01T06:30:00Z',
        startedAt: '2026-12-01T06:30:05Z',
        endedAt: '2026-12-01T06:31:00Z',
        durationSeconds: 55,
        filesPublished: FILES,
        bytesPublished: FILES * FILE_BYTES,
        guardFindings: [],
        log: null,
        output: `s3://wb-private/${PREFIX}`,
        message: null,
      };
      const downloadsDir = join(root, 'results', 'scheduled');
      let events = 0;
      const results = new ScheduledResults({
        schedules: { list: async () => [schedule], history: async () => [row] },
        dataDir: root,
        downloadsDir,
        s3: async () => new S3Client(moto.clientConfig()),
        onProgress: () => events++,
      });
      const openOurs = async () => {
        await rm(downloadsDir, { recursive: true, force: true });
        await results.open('os-daily', row.runId!, 'bench');
      };
      const plainDir = join(root, 'plain');
      const openPlain = async () => {
        await rm(plainDir, { recursive: true, force: true });
        const listing = await s3.send(new ListObjectsV2Command({ Bucket: 'wb-private', Prefix: PREFIX }));
        for (const o of listing.Contents ?? []) {
          const target = join(plainDir, o.Key!.slice(PREFIX.length));
          await mkdir(dirname(target), { recursive: true });
          const answer = await s3.send(new GetObjectCommand({ Bucket: 'wb-private', Key: o.Key! }));
          await pipeline(answer.Body as Readable, createWriteStream(target));
        }
      };
      // Taken in turns, so a machine busy with something else slows both alike.
      const { ours, anchor } = await alternating(9, openOurs, openPlain);
      const mib = (FILES * FILE_BYTES) / 1024 / 1024;
      return [{ name: 'results-download', ours, anchor, note: `${mib} MiB in ${FILES} files from moto, ${(mib / ours).toFixed(0)} MiB/s, ${events} progress events over 10 downloads` }];
    } finally {
      s3.destroy();
      await moto.stop();
      await rm(root, { recursive: true, force: true });
    }
  },
};

/** Median seconds of `ours` and `anchor`, run in turns `times` times after one warm-up each. */
async function alternating(times: number, ours: () => Promise<void>, anchor: () => Promise<void>): Promise<{ ours: number; anchor: number }> {
  await ours();
  await anchor();
  const samples = { ours: [] as number[], anchor: [] as number[] };
  const time = async (fn: () => Promise<void>) => {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  for (let i = 0; i < times; i++) {
    samples.ours.push(await time(ours));
    samples.anchor.push(await time(anchor));
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ours: median(samples.ours), anchor: median(samples.anchor) };
}

export default benchmark;
