import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { listS3 } from '../src/main/services/jobs/data-sources.ts';
import { fileMatches, filterMatchers } from '../src/shared/filter-match.ts';
import { startMoto } from '../test/fixtures/moto.ts';
import { medianSeconds, type Benchmark } from './harness.ts';

/** One day of one application's saved sessions: a filter that prunes most of the layout. */
const FILTER = JSON.stringify({
  version: 1,
  dimensions: [
    { field_name: 'reason', allowed_values: ['saved-session'] },
    { field_name: 'appName', allowed_values: ['Firefox'] },
    { field_name: 'appUpdateChannel', allowed_values: '*' },
    { field_name: 'appVersion', allowed_values: '*' },
    { field_name: 'appBuildID', allowed_values: '*' },
    { field_name: 'submission_date', allowed_values: ['20140705'] },
  ],
});

/**
 * "What the filter matches" on S3 (moto on loopback, the 20 MB sample set, about 2,000 objects):
 * our listing, which lists only the prefixes the filter allows level by level, against the
 * listing without pruning, every key under the prefix page by page with the same SDK and the
 * same file-name test.
 */
const benchmark: Benchmark = {
  name: 'match-preview',
  async run() {
    const root = await mkdtemp(join(tmpdir(), 'workbench-bench-match-'));
    const moto = await startMoto();
    const s3 = new S3Client(moto.clientConfig());
    try {
      const data = join(root, 'data');
      execFileSync('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', data, '--size-mb', '20', '--seed', '42'], { stdio: 'pipe' });
      await s3.send(new CreateBucketCommand({ Bucket: 'telemetry' }));
      const files = (await readdir(data, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      for (let i = 0; i < files.length; i += 16) {
        await Promise.all(files.slice(i, i + 16).map(async (e) => s3.send(new PutObjectCommand({ Bucket: 'telemetry', Key: `v2/${relative(data, join(e.parentPath, e.name))}`, Body: await readFile(join(e.parentPath, e.name)) }))));
      }
      const matchers = filterMatchers(FILTER);
      let found = 0;
      let lists = 0;
      const ours = await medianSeconds(5, async () => {
        const listing = await listS3(s3, 'telemetry', 'v2/', matchers);
        found = listing.keys.length;
        lists = listing.listCalls;
      });
      let flatFound = 0;
      let flatLists = 0;
      const anchor = await medianSeconds(5, async () => {
        let token: string | undefined;
        flatFound = 0;
        flatLists = 0;
        do {
          const page: ListObjectsV2CommandOutput = await s3.send(new ListObjectsV2Command({ Bucket: 'telemetry', Prefix: 'v2/', ...(token && { ContinuationToken: token }) }));
          flatLists += 1;
          for (const o of page.Contents ?? []) {
            const parts = (o.Key ?? '').slice(3).split('/');
            if (parts.length === 5 && parts.slice(0, 4).every((p, i) => matchers[i]!(p)) && fileMatches(matchers, parts[4]!)) flatFound += 1;
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      });
      if (found !== flatFound) throw new Error(`the pruned listing found ${found} files, the flat one ${flatFound}`);
      return [{ name: 'match-preview-s3', ours, anchor, note: `${found} of ${files.length} objects; ${lists} pruned LIST calls vs ${flatLists} flat pages` }];
    } finally {
      s3.destroy();
      await moto.stop();
      await rm(root, { recursive: true, force: true });
    }
  },
};

export default benchmark;
