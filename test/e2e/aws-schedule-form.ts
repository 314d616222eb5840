import type { Locator, Page } from 'playwright-core';
import { eventually } from '../fixtures/eventually.ts';

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
