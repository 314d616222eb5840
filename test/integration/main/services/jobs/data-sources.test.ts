import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialsService } from '../../../../../src/main/services/credentials/credentials-service.ts';
import { DataSourceService, listFolder } from '../../../../../src/main/services/jobs/data-sources.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import { COMPRESSED_BYTES_PER_CORE_SECOND } from '../../../../../src/shared/data-source.ts';
import { filterMatchers } from '../../../../../src/shared/filter-match.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const GENERATOR = resolve('resources/examples/generate_sample_data.py');
const WORKER = resolve('resources/worker');

/** Saved sessions of Firefox submitted 3-5 July, on any channel, version and build. */
const FILTER = JSON.stringify({
  version: 1,
  dimensions: [
    { field_name: 'reason', allowed_values: ['saved-session'] },
    { field_name: 'appName', allowed_values: ['Firefox'] },
    { field_name: 'appUpdateChannel', allowed_values: '*' },
    { field_name: 'appVersion', allowed_values: '*' },
    { field_name: 'appBuildID', allowed_values: '*' },
    { field_name: 'submission_date', allowed_values: { min: '20140703', max: '20140705' } },
  ],
});

describe('data sources: saved sources, what a filter matches, copying a set to S3 (moto S3)', () => {
  const moto = useMoto();
  let temp: TempDir;
  let root: string;
  let data: string;
  let service: DataSourceService;
  let store: DocumentStore;
  let listed: string[];
  let env: NodeJS.ProcessEnv;
  const clients: S3Client[] = [];

  beforeAll(async () => {
    temp = await makeTempDir('data-sources');
    root = temp.path;
    data = join(root, 'sample');
    await run('python3', [GENERATOR, '--out', data, '--size-mb', '2', '--seed', '42']);
    await writeFile(join(root, 'aws-config'), '[default]\nregion = us-east-1\n');
    await writeFile(join(root, 'aws-credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    env = { AWS_CONFIG_FILE: join(root, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(root, 'aws-credentials'), AWS_ENDPOINT_URL: moto.endpoint };
    await mkdir(join(root, 'app'));
    store = new DocumentStore(join(root, 'app'));
    listed = [];
    service = new DataSourceService({
      store,
      credentials: new CredentialsService(store, null, env),
      workerPlace: async (worker) => (worker === 'local' ? { cores: 2 } : { cores: 8, region: worker }),
      env,
      onS3Client: (s3) => {
        clients.push(s3);
        // Every ListObjectsV2 the listing sends, by the prefix it lists.
        s3.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName === 'ListObjectsV2Command') listed.push(String((args.input as { Prefix?: string }).Prefix));
            return next(args);
          },
          { step: 'initialize', name: 'countLists' },
        );
      },
    });
    const s3 = new S3Client(moto.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'telemetry' }));
    s3.destroy();
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await temp?.cleanup();
  });

  it('copies the data set to S3 with progress to the end, and refuses a missing bucket before copying anything', async () => {
    const progress: number[] = [];
    const done = await service.upload(data, 's3://telemetry/v2', (p) => progress.push(p.files));
    const onDisk = await listFolder(data, filterMatchers(JSON.stringify({ version: 1, dimensions: Array(6).fill({ field_name: 'x', allowed_values: '*' }) })));
    expect(done.files).toBe(onDisk.files.length);
    expect(done.bytes).toBe(onDisk.files.reduce((s, f) => s + f.size, 0));
    expect(progress.at(0)).toBe(0);
    expect(progress.at(-1)).toBe(done.files);
    const s3 = new S3Client(moto.clientConfig());
    const first = await s3.send(new ListObjectsV2Command({ Bucket: 'telemetry', Prefix: 'v2/', MaxKeys: 1000 }));
    s3.destroy();
    expect(first.KeyCount).toBe(done.files);

    await expect(service.upload(data, 's3://no-such-bucket/v2', () => undefined)).rejects.toThrow("There is no bucket no-such-bucket (asked in us-east-1); check the bucket's name.");
  }, 60_000);

  it('lists only the prefixes the filter allows, and finds what the runner and the folder walk find', async () => {
    listed = [];
    const preview = await service.preview({ source: { kind: 's3', url: 's3://telemetry/v2' }, filter: FILTER, worker: 'local' });
    const onDisk = await listFolder(data, filterMatchers(FILTER));
    expect(preview.files).toBe(onDisk.files.length);
    expect(preview.files).toBeGreaterThan(10);
    expect(preview.bytes).toBe(onDisk.files.reduce((s, f) => s + f.size, 0));
    expect(preview.first).toEqual(onDisk.files.slice(0, 10).map((f) => `v2/${f.key}`));
    // The root, saved_session/, then saved_session/Firefox/ whole (every level below passes any
    // value): no other reason or application, and not folder by folder.
    expect(listed).toEqual(['v2/', 'v2/saved_session/', 'v2/saved_session/Firefox/']);
    expect(preview.prefixesListed).toBe(3);

    // The runner's own listing of the same source agrees.
    const { stdout } = await run('python3', ['-m', 'mapreduce.job', join(WORKER, '..', 'examples', 'os-distribution', 'job.py'), '--input-filter', await filterFile(), '--data-dir', 's3://telemetry/v2', '--list-only'], {
      cwd: WORKER,
      env: { ...process.env, ...env, AWS_PROFILE: 'default', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    });
    const runner = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { files: number; bytes: number; first: string[]; prefixesListed: number };
    expect(runner).toEqual({ files: preview.files, bytes: preview.bytes, first: preview.first, prefixesListed: preview.prefixesListed });

    // The estimate: the bytes at the documented per-core rate on the worker's cores; from this computer, reads cross the internet.
    expect(preview.cores).toBe(2);
    expect(preview.estimateSeconds).toBeCloseTo(preview.bytes / (2 * COMPRESSED_BYTES_PER_CORE_SECOND), 6);
    expect(preview.cost).toMatchObject({ path: 'internet', bucketRegion: 'us-east-1', getRequests: preview.files, listRequests: listed.length });
    expect(preview.cost?.transferUsd).toBeCloseTo((preview.bytes / 1e9) * 0.09, 12);
  }, 60_000);

  it('charges requests only for a worker in the bucket region, and transfer too from another region', async () => {
    const same = await service.preview({ source: { kind: 's3', url: 's3://telemetry/v2/' }, filter: FILTER, worker: 'us-east-1' });
    expect(same.cores).toBe(8);
    expect(same.cost).toMatchObject({ path: 'same-region', transferUsd: 0 });
    expect(same.cost?.totalUsd).toBeCloseTo(same.files * 0.0000004 + (same.cost?.listRequests ?? 0) * 0.000005, 12);
    const other = await service.preview({ source: { kind: 's3', url: 's3://telemetry/v2' }, filter: FILTER, worker: 'eu-west-1' });
    expect(other.cost).toMatchObject({ path: 'other-region', workerRegion: 'eu-west-1' });
    expect(other.cost?.transferUsd).toBeCloseTo((other.bytes / 1e9) * 0.02, 12);
  });

  it('saves a source only once it can be read, and forgets it', async () => {
    await expect(service.add({ kind: 's3', url: 's3://no-such-bucket/x', name: 'gone' })).rejects.toThrow(/There is no bucket no-such-bucket/);
    await expect(service.add({ kind: 'folder', path: join(root, 'missing') })).rejects.toThrow(`There is no folder ${join(root, 'missing')} on this computer`);
    expect(await service.add({ kind: 's3', url: 's3://telemetry/v2', name: 'July telemetry' })).toEqual([{ kind: 's3', url: 's3://telemetry/v2', name: 'July telemetry' }]);
    expect(await service.add({ kind: 'folder', path: data })).toHaveLength(2);
    expect(await service.remove('s3://telemetry/v2')).toEqual([{ kind: 'folder', path: data }]);
  });

  async function filterFile(): Promise<string> {
    const path = join(root, 'filter.json');
    await writeFile(path, FILTER);
    return path;
  }
});
