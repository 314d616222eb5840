/// <reference lib="dom" />
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

let jobsDir: string;
const { workbench, page, problems } = useWorkbenchInChromium({ page: { viewport: { width: 1400, height: 1000 } } });

beforeAll(async () => {
  jobsDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-jobs-'));
  await page.goto(`${workbench.origin}/#/jobs`);
});
afterAll(() => rm(jobsDir, { recursive: true, force: true }));

const heading = (name: string) => page.getByRole('heading', { name, level: 2 });
const detail = () => page.locator('article.run-detail');

describe('running a job locally from the UI', () => {
  it('generates sample data and runs an example with Ctrl+Enter, showing log, progress, table and chart', async () => {
    await expect.poll(() => page.getByTestId('sample-data').textContent()).toContain('None yet');
    await page.getByLabel('Sample size (MB)').fill('3');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('sample-data').textContent(), { timeout: 60_000 }).toMatch(/\d+ files, [\d.]+ MB compressed/);

    await page.getByLabel('Job', { exact: true }).selectOption('example:os-distribution');
    await page.getByLabel('Mappers').fill('2');
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 60_000 }).toBe('Succeeded');
    // With its results shown, the run's log is folded to its last line; a click opens it.
    await expect.poll(() => detail().locator('.run-log > summary').textContent()).toMatch(/Done in [\d.]+s: [\d,]+ records/);
    await expect.poll(() => detail().locator('.run-log').getAttribute('open')).toBeNull();
    await detail().locator('.run-log > summary').click();
    await expect.poll(() => page.getByRole('log').textContent()).toMatch(/Done in [\d.]+s: [\d,]+ records/);
    // Progress lines are shown as the bar, not as log text.
    expect(await page.getByRole('log').textContent()).not.toContain('@progress');
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe('1');

    const table = page.getByRole('table', { name: 'Output of os-distribution' });
    await expect.poll(() => table.locator('tbody tr').count()).toBeGreaterThan(1);
    expect(await page.locator('.run-results canvas').count()).toBe(1);
    // Sorting by value, descending: the first row holds the largest count.
    const valueHeader = table.getByRole('columnheader', { name: 'count' });
    await valueHeader.click();
    await valueHeader.click();
    expect(await valueHeader.getAttribute('aria-sort')).toBe('descending');
    const values = (await table.locator('tbody tr td:nth-child(2)').allTextContents()).map(Number);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    // The chart offers every column of the output, the Values choice also the default.
    expect(await page.getByLabel('Labels').locator('option').allTextContents()).toEqual(['OS', 'count']);
    expect(await page.getByLabel('Values').locator('option').allTextContents()).toEqual(['first numeric column', 'OS', 'count']);
    await page.getByLabel('Histogram').check();
    await screenshot(page, 'jobs-run-succeeded');

    // The Results view shows the same output.
    await page.getByRole('link', { name: 'Results' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Output of os-distribution' }).locator('tbody tr').count()).toBeGreaterThan(1);
    await page.getByRole('link', { name: 'Jobs' }).click();
  });

  it('follows a slow run live and cancels it', async () => {
    const dir = join(jobsDir, 'slow-job');
    await mkdir(dir);
    await writeFile(join(dir, 'job.py'), 'import time\n\ndef map(key, dims, value, context):\n    time.sleep(0.2)\n    context.write(dims[1], 1)\n');
    await writeFile(
      join(dir, 'filter.json'),
      JSON.stringify({ version: 1, dimensions: ['reason', 'appName', 'appUpdateChannel', 'appVersion', 'appBuildID', 'submission_date'].map((f) => ({ field_name: f, allowed_values: '*' })) }),
    );
    await page.getByLabel('Job', { exact: true }).selectOption('folder');
    await page.getByLabel('Job folder').fill(dir);
    await page.getByRole('button', { name: 'Run locally' }).click();
    await expect.poll(() => heading('slow-job').count()).toBe(1);
    await expect.poll(() => detail().locator('.badge').textContent()).toBe('Running');
    // Progress arrives while it runs.
    await expect.poll(() => page.getByRole('progressbar').count(), { timeout: 20_000 }).toBe(1);
    await screenshot(page, 'jobs-run-live');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('button', { name: 'Click again to cancel the run' }).click();
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 20_000 }).toBe('Cancelled');
  });

  it('explains a request it refuses and keeps the form as it was', async () => {
    await page.getByLabel('Job', { exact: true }).selectOption('folder');
    await page.getByLabel('Job folder').fill(join(jobsDir, 'does-not-exist'));
    await page.getByLabel('Mappers').fill('3');
    await page.getByRole('button', { name: 'Run locally' }).click();
    await expect.poll(() => page.locator('form[aria-label="Run locally"] [role=alert]').textContent()).toMatch(/job folder .*does-not-exist does not exist/);
    expect(await page.getByLabel('Job folder').inputValue()).toBe(join(jobsDir, 'does-not-exist'));
    expect(await page.getByLabel('Mappers').inputValue()).toBe('3');
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
