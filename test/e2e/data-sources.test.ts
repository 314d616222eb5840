/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listFolder } from '../../src/main/services/jobs/data-sources.ts';
import { filterMatchers } from '../../src/shared/filter-match.ts';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

const moto = useMoto();
let root: string;
let expected: { files: number; bytes: number; first: string };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-data-sources-'));
  const data = join(root, 'data');
  execFileSync('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', data, '--size-mb', '2', '--seed', '7'], { stdio: 'pipe' });
  const s3 = new S3Client(moto.clientConfig());
  await s3.send(new CreateBucketCommand({ Bucket: 'telemetry' }));
  for (const entry of await readdir(data, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    await s3.send(new PutObjectCommand({ Bucket: 'telemetry', Key: `v2/${relative(data, path)}`, Body: await readFile(path) }));
  }
  s3.destroy();
  const filter = await readFile(resolve('resources/examples/os-distribution/filter.json'), 'utf8');
  const matched = await listFolder(data, filterMatchers(filter));
  expected = { files: matched.files.length, bytes: matched.files.reduce((s, f) => s + f.size, 0), first: `v2/${matched.files[0]?.key}` };
  await mkdir(join(root, 'app'));
  // The runner's S3 cache goes under HOME.
  await mkdir(join(root, 'home'));
}, 120_000);
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, join(root, 'app'), { env: { HOME: join(root, 'home') } }), page: { viewport: { width: 1400, height: 1200 } } });

describe('S3 data sources in Settings and the Jobs view (moto S3)', () => {
  it('saves an S3 source once it lists, refuses a missing bucket, and shows in Jobs what the filter matches there', async () => {
    await page.goto(`${workbench.origin}/#/settings`);
    const section = page.getByRole('region', { name: 'Data sources' });
    await section.getByLabel('Folder or S3 location').fill('s3://no-such-bucket/v2');
    await section.getByRole('button', { name: 'Check and add' }).click();
    await eventually(() => section.textContent()).toContain('There is no bucket no-such-bucket');
    await section.getByLabel('Name (optional)').fill('July telemetry');
    await section.getByLabel('Folder or S3 location').fill('s3://telemetry/v2');
    await section.getByRole('button', { name: 'Check and add' }).click();
    const saved = section.getByRole('list', { name: 'Saved data sources' });
    await eventually(() => saved.textContent()).toContain('July telemetry s3://telemetry/v2 S3');
    await screenshot(page, 'data-sources-settings');

    await page.goto(`${workbench.origin}/#/jobs`);
    await page.getByLabel('A data folder (v2 layout) or S3 location').check();
    await page.getByLabel('Data folder: saved data sources').selectOption('s3://telemetry/v2');
    expect(await page.getByLabel('Data folder', { exact: true }).inputValue()).toBe('s3://telemetry/v2');
    const preview = page.getByRole('group', { name: 'What the filter matches' });
    await preview.getByRole('button', { name: 'What the filter matches' }).click();
    const status = preview.getByRole('status');
    await eventually(() => status.textContent()).toContain(`${expected.files} files, ${(expected.bytes / 1e3).toFixed(1)} kB`);
    const text = (await status.textContent()) ?? '';
    expect(text).toMatch(/(Under a second|About \d+ s) on this computer \(\d+ cores?\)/);
    expect(text).toMatch(/Reading from S3 \(us-east-1\) over the internet: about \$[\d.e-]+ \(\d+ GET and \d+ LIST requests/);
    expect(text).toContain(`${expected.files} GET`);
    const keys = preview.getByRole('list', { name: 'First matching files' }).getByRole('listitem');
    expect(await keys.first().textContent()).toBe(expected.first);
    expect(await keys.count()).toBe(11); // ten keys and "… and N more"
    await screenshot(page, 'data-sources-jobs-preview');

    // And the run reads it there, with the profile of Settings.
    await page.getByLabel('Mappers').fill('2');
    await page.getByRole('button', { name: 'Run locally' }).click();
    const detail = page.locator('article.run-detail');
    await vi.waitFor(async () => expect(await detail.locator('.badge').textContent()).toBe('Succeeded'), { timeout: 90_000, interval: 500 });
    const table = page.getByRole('table', { name: 'Output of os-distribution' });
    await vi.waitFor(async () => expect(await table.locator('tbody tr').count()).toBeGreaterThan(1), { timeout: 30_000, interval: 200 });
    expect(problems).toEqual([]);
  }, 180_000);

  it("lets a schedule pick the saved S3 source, and its IAM preview gives the run's role read-only access to that prefix", async () => {
    const s3 = new S3Client(moto.clientConfig());
    for (const bucket of ['wb-code', 'wb-private']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
    await page.goto(`${workbench.origin}/#/settings`);
    await page.getByLabel('Private bucket', { exact: true }).fill('wb-private');
    await page.getByLabel('Code bucket (private: job tarballs of scheduled AWS runs)').fill('wb-code');
    await page.getByRole('button', { name: 'Save buckets' }).click();
    await eventually(() => page.getByText('Saved.').count()).toBe(1);

    await page.goto(`${workbench.origin}/#/schedules`);
    await page.getByRole('link', { name: 'Schedule a job' }).click();
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await form.getByLabel('Job name').fill('july-os');
    await eventually(() => form.locator('option[value="aws"]').isDisabled()).toBe(false);
    await form.getByLabel('Runs on').selectOption('aws');
    await form.getByLabel('Data source (DATA_DIR): saved data sources').selectOption('s3://telemetry/v2');
    expect(await form.getByLabel('Data source (DATA_DIR)', { exact: true }).inputValue()).toBe('s3://telemetry/v2');
    const iam = form.locator('details.aws-permissions');
    await eventually(() => iam.count()).toBe(1);
    await iam.locator('summary').click();
    const policy = (await iam.getByRole('region', { name: 'Role wb-july-os' }).locator('pre').nth(1).textContent()) ?? '';
    const statements = (JSON.parse(policy) as { Statement: Record<string, unknown>[] }).Statement.filter((st) => JSON.stringify(st).includes(':::telemetry'));
    expect(statements.map((st) => st['Action'])).toEqual(['s3:GetObject', 's3:ListBucket']);
    expect(statements[0]?.['Resource']).toEqual(['arn:aws:s3:::telemetry/v2/*']);
    await screenshot(page, 'data-sources-schedule-iam');
    expect(problems).toEqual([]);
  }, 120_000);
});
