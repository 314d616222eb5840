/// <reference lib="dom" />
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { writeJobFolder, writeTelemetryData } from '../fixtures/telemetry-data.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

const moto = useMoto();
let s3: S3Client;
let dir: string;

const DIMS = ['saved_session', 'Firefox', 'release', '45.0', '20160101000000', '20160102'] as const;

beforeAll(async () => {
  s3 = new S3Client(moto.clientConfig());
  for (const bucket of ['wb-public', 'wb-private']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  dir = await mkdtemp(join(tmpdir(), 'workbench-e2e-publish-'));
  // A job whose output holds e-mail addresses: exactly what must not go out unchecked.
  await writeJobFolder(join(dir, 'contacts-job'), 'import json\n\ndef map(key, dims, value, context):\n    context.write(json.loads(value)["contact"], 1)\n\ndef reduce(key, values, context):\n    context.write(key, sum(values))\n');
  await writeTelemetryData(join(dir, 'data'), [
    { dims: [...DIMS], payload: { contact: 'ana@example.org' } },
    { dims: [...DIMS], payload: { contact: 'ana@example.org' } },
  ]);
  await mkdir(join(dir, 'app'));
});
afterAll(async () => {
  s3?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, join(dir, 'app')), page: { viewport: { width: 1400, height: 1000 } } });


describe('Publish to S3 from the results view (moto)', () => {
  it('lists the guard’s findings for the public bucket and publishes only once each is ticked', async () => {
    await page.goto(`${workbench.origin}/#/settings`);
    await page.getByLabel('Public bucket (output anyone may read: the publish guard checks it first)').fill('wb-public');
    await page.getByLabel('Private bucket', { exact: true }).fill('wb-private');
    await page.getByRole('button', { name: 'Save buckets' }).click();
    await eventually(() => page.getByRole('status').textContent()).toBe('Saved.');

    await page.goto(`${workbench.origin}/#/jobs`);
    await page.getByLabel('Job', { exact: true }).selectOption('folder');
    await page.getByLabel('Job folder').fill(join(dir, 'contacts-job'));
    await page.getByLabel('A data folder (v2 layout)').check();
    await page.getByLabel('Data folder', { exact: true }).fill(join(dir, 'data'));
    await page.getByRole('button', { name: 'Run locally' }).click();
    await eventually(() => page.locator('article.run-detail .badge').textContent()).toBe('Succeeded');

    await page.getByRole('link', { name: 'Results' }).click();
    await page.getByRole('button', { name: 'Publish to S3…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Publish to S3' });
    await eventually(() => dialog.textContent()).toContain('1 file');
    await dialog.getByLabel('Public bucket').check();
    const findings = dialog.getByRole('group', { name: 'Publish guard findings' });
    await eventually(() => findings.getByRole('checkbox').count()).toBe(1);
    expect(await findings.textContent()).toContain('e-mail address in');
    expect(await findings.textContent()).toContain('a***@***.org');
    expect(await dialog.textContent()).not.toContain('ana@example.org');
    const publish = dialog.getByRole('button', { name: 'Publish' });
    expect(await publish.isDisabled()).toBe(true);
    await screenshot(page, 'publish-guard-findings');

    await findings.getByRole('checkbox').check();
    expect(await publish.isDisabled()).toBe(false);
    await dialog.getByRole('textbox').fill('contacts/first');
    await publish.click();
    await eventually(() => dialog.getByRole('status').textContent()).toMatch(/Published 1 file .* to s3:\/\/wb-public\/contacts\/first\//);

    const listing = await s3.send(new ListObjectsV2Command({ Bucket: 'wb-public', Prefix: 'contacts/first/' }));
    const keys = (listing.Contents ?? []).map((o) => o.Key);
    expect(keys).toHaveLength(1);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: 'wb-public', Key: keys[0]! }))).Body!.transformToString();
    expect(body).toContain('ana@example.org\t2');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await eventually(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
