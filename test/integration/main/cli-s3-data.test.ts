import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startCli } from '../../fixtures/cli-process.ts';
import { useMoto } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

describe('workbench sample-data --to s3:// and run --local --data s3:// (moto S3, the real runner)', () => {
  const moto = useMoto();

  it('copies the sample set to S3 and a run on it gives the output of the same files on disk; a missing bucket is said before anything is copied', async () => {
    const root = await useTempDir('cli-s3-data');
    const app = join(root, 'app');
    await mkdir(app);
    await mkdir(join(root, 'home'));
    // Only a profile named "reader": the runner finds it only if the app names it (AWS_PROFILE, AWS_REGION).
    await writeFile(join(root, 'aws-config'), '[profile reader]\nregion = us-east-1\n');
    await writeFile(join(root, 'aws-credentials'), '[reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
    // The runner's S3 cache goes under HOME.
    const env = {
      HOME: join(root, 'home'),
      AWS_CONFIG_FILE: join(root, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(root, 'aws-credentials'),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    };
    const cli = async (...args: string[]) => {
      const p = startCli([...args, '--data-dir', app], { env });
      const { code } = await p.exited;
      return { code, stdout: p.stdout(), stderr: p.stderr() };
    };
    const s3 = new S3Client(moto.clientConfig());
    await s3.send(new CreateBucketCommand({ Bucket: 'telemetry' }));
    s3.destroy();

    expect((await cli('call', 'aws:select-profile', JSON.stringify({ ref: 'profile:reader' }))).code).toBe(0);

    const missing = await cli('sample-data', '--size-mb', '2', '--to', 's3://no-such-bucket/v2');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("There is no bucket no-such-bucket (asked in us-east-1); check the bucket's name.");
    expect(missing.stdout).not.toMatch(/^Copying/m);

    const made = await cli('sample-data', '--size-mb', '2', '--to', 's3://telemetry/v2');
    expect(made.code, made.stderr).toBe(0);
    const copied = /^Copied (\d+) files \(([\d.]+) MB\) to s3:\/\/telemetry\/v2\.$/m.exec(made.stdout);
    expect(copied, made.stdout).not.toBeNull();
    expect(made.stdout).toMatch(new RegExp(`^Copying to s3://telemetry/v2: ${copied?.[1]}/${copied?.[1]} files`, 'm'));

    const fromS3 = await cli('run', 'example:os-distribution', '--local', '--mappers', '2', '--data', 's3://telemetry/v2', '--output', join(root, 'from-s3'));
    expect(fromS3.code, fromS3.stderr + fromS3.stdout).toBe(0);
    const fromDisk = await cli('run', 'example:os-distribution', '--local', '--mappers', '2', '--data', join(app, 'sample-data'), '--output', join(root, 'from-disk'));
    expect(fromDisk.code, fromDisk.stderr + fromDisk.stdout).toBe(0);
    const names = (await readdir(join(root, 'from-disk'))).sort();
    expect(names.length).toBeGreaterThan(0);
    expect((await readdir(join(root, 'from-s3'))).sort()).toEqual(names);
    for (const name of names) expect(await readFile(join(root, 'from-s3', name), 'utf8')).toBe(await readFile(join(root, 'from-disk', name), 'utf8'));

    // The cache's limit is Settings' (10 GiB unless set): at 0 GiB a run leaves nothing in it.
    const cacheDir = join(root, 'home', '.cache', 'mapreduce', 's3');
    expect(fromS3.stdout).toContain(`cache ${cacheDir}, at most 10 GiB`);
    expect((await readdir(cacheDir, { recursive: true })).length).toBeGreaterThan(0);
    expect((await cli('call', 'settings:set', JSON.stringify({ s3CacheGb: 0 }))).code).toBe(0);
    const uncached = await cli('run', 'example:os-distribution', '--local', '--mappers', '2', '--data', 's3://telemetry/v2', '--output', join(root, 'from-s3-uncached'));
    expect(uncached.code, uncached.stderr + uncached.stdout).toBe(0);
    expect(uncached.stdout).toContain(`cache ${cacheDir}, at most 0 GiB`);
    const left = await readdir(cacheDir, { recursive: true, withFileTypes: true });
    // Only the cache's lock file stays: no fetched object.
    expect(left.filter((e) => e.isFile()).map((e) => e.name)).toEqual(['lock']);

    // A local schedule whose data source is the S3 copy: its runs read it with the same profile.
    const tarball = join(root, 'os.tar.gz');
    expect((await cli('pack', resolve('resources/examples/os-distribution'), '-o', tarball)).code).toBe(0);
    const created = await cli('schedule', 'create', 'os-s3', '--tarball', tarball, '--frequency', 'daily', '--data', 's3://telemetry/v2');
    expect(created.code, created.stderr).toBe(0);
    const ran = await cli('schedule', 'run-now', 'os-s3');
    expect(ran.code, ran.stderr + ran.stdout).toBe(0);
    // The same counts (the package's runner leaves the lines in reducer order).
    const lines = async (path: string) => (await readFile(path, 'utf8')).trim().split('\n').sort();
    expect(await lines(join(app, 'published', 'os-s3', 'data', 'os-distribution.txt'))).toEqual(await lines(join(root, 'from-disk', 'os-distribution.txt')));
  }, 240_000);
});
