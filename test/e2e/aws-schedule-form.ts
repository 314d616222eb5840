import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import type { Moto } from '../fixtures/moto.ts';
import { readThrough } from '../fixtures/server-hooks.ts';

export interface ScheduleSetup {
  /** A temp folder; the workbench's data dir is `<root>/app`. */
  root: string;
  /** The example os-distribution, packed into `root`. */
  tarball: string;
  /** An S3 client on moto, destroyed after the file. */
  s3: S3Client;
}

/**
 * For a file of AWS schedule tests: the buckets made in moto (default the code and private
 * ones), a temp folder with an `app` data dir, and the example os-distribution packed by the CLI
 * into `<root>/<tarballName>` (with `packArgs`); all removed after the file.
 */
export function useScheduleSetup(
  moto: Moto,
  options: { prefix: string; tarballName: string; packArgs?: string[]; buckets?: string[] },
): ScheduleSetup {
  let setup: ScheduleSetup | undefined;
  beforeAll(async () => {
    const s3 = new S3Client(moto.clientConfig());
    for (const bucket of options.buckets ?? ['wb-code', 'wb-private']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const root = await mkdtemp(join(tmpdir(), `workbench-e2e-${options.prefix}-`));
    const tarball = join(root, options.tarballName);
    execFileSync(process.execPath, [resolve('bin/workbench.js'), 'pack', resolve('resources/examples/os-distribution'), '-o', tarball, ...(options.packArgs ?? [])], { stdio: 'pipe' });
    await mkdir(join(root, 'app'));
    setup = { root, tarball, s3 };
  });
  afterAll(async () => {
    setup?.s3.destroy();
    if (setup) await rm(setup.root, { recursive: true, force: true });
  });
  return readThrough('the schedule setup', () => setup);
}

/** Sets Settings → S3 buckets as a user does, and waits for "Saved.". */
export async function saveBuckets(page: Page, origin: string, buckets: { private?: string; public?: string; code: string }): Promise<void> {
  await page.goto(`${origin}/#/settings`);
  if (buckets.public) await page.getByLabel('Public bucket (output anyone may read: the publish guard checks it first)').fill(buckets.public);
  if (buckets.private) await page.getByLabel('Private bucket', { exact: true }).fill(buckets.private);
  await page.getByLabel('Code bucket (private: job tarballs of scheduled AWS runs)').fill(buckets.code);
  await page.getByRole('button', { name: 'Save buckets' }).click();
  await eventually(() => page.getByRole('status').textContent()).toBe('Saved.');
}

/** Opens "Schedule a job" with a name and a tarball, daily, run on AWS (once the backend is offered). */
export async function openAwsScheduleForm(page: Page, origin: string, name: string, tarball: string): Promise<Locator> {
  await page.goto(`${origin}/#/schedules`);
  await page.getByRole('link', { name: 'Schedule a job' }).click();
  const form = page.getByRole('form', { name: 'Schedule a job' });
  await form.getByLabel('Job name').fill(name);
  await form.getByLabel('Code tarball').fill(tarball);
  await form.getByLabel('Frequency').selectOption('daily');
  await eventually(() => form.locator('option[value="aws"]').isDisabled()).toBe(false);
  await form.getByLabel('Runs on').selectOption('aws');
  return form;
}
