/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { screenshot, startBrowserWorkbench, useWorkbenchInChromium } from './browser-workbench.ts';

let root: string;
let dataDir: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-package-to-results-'));
  dataDir = join(root, 'data');
  // The data set the jobs read (DATA_DIR), made with the CLI as a user would.
  execFileSync(process.execPath, [resolve('bin/workbench.js'), 'sample-data', '--size-mb', '1', '--data-dir', dataDir], { stdio: 'pipe' });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const { workbench, page, problems } = useWorkbenchInChromium({
  start: () => startBrowserWorkbench({ dataDir }),
  page: { viewport: { width: 1400, height: 1100 } },
});

describe('from a job folder to its scheduled results', () => {
  it('packages an example, test-runs it, schedules it here, runs it now and reads its published output in Results', { timeout: 180_000 }, async () => {
    const tarball = join(root, 'os-distribution.tar.gz');
    await page.goto(`${workbench.origin}/#/package`);
    await page.getByLabel('Folder to package').fill(resolve('resources/examples/os-distribution'));
    await page.getByRole('button', { name: 'Open folder' }).click();
    await eventually(() => page.getByTestId('package-totals').textContent()).toMatch(/^\d+ files, /);
    // The folder's own run.sh is the entry point.
    await page.getByLabel('Save tarball as').fill(tarball);
    await page.getByRole('button', { name: 'Build tarball' }).click();
    await eventually(() => page.getByTestId('build-result').textContent()).toMatch(/SHA-256 [0-9a-f]{64}/);

    expect(await page.getByLabel('Tarball', { exact: true }).inputValue()).toBe(tarball);
    await page.getByRole('button', { name: 'Test run' }).click();
    await eventually(() => page.url()).toMatch(/#\/jobs\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    const detail = page.locator('article.run-detail');
    await eventually(() => detail.locator('.badge').first().textContent(), 60_000).toBe('Succeeded');
    await eventually(() => detail.textContent()).toContain('os-distribution.txt');
    await screenshot(page, 'package-to-results-test-run');

    // Scheduled here from the link the Package view shows under the build.
    await page.evaluate((path) => (location.hash = `#/schedules/${encodeURIComponent(`+new?tarball=${encodeURIComponent(path)}`)}`), tarball);
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await eventually(() => form.getByLabel('Code tarball').inputValue()).toBe(tarball);
    await form.getByLabel('Job name').fill('os-daily');
    await eventually(() => form.getByLabel('Runs on').inputValue()).toBe('local');
    await form.getByRole('button', { name: 'Schedule' }).click();
    const row = page.locator('tr[data-schedule="os-daily"]');
    await eventually(() => row.count()).toBe(1);
    await row.getByRole('button', { name: 'Run now' }).click();
    const succeeded = page.locator('.history-table tr[data-status="succeeded"]');
    await eventually(() => succeeded.count(), 90_000).toBe(1);

    await succeeded.getByRole('link', { name: 'Open in Results' }).click();
    await eventually(() => page.url()).toMatch(/#\/results\/scheduled\/os-daily\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    const results = page.getByRole('region', { name: 'Results' });
    const table = results.getByRole('table', { name: 'Output of os-daily' });
    await eventually(() => table.locator('tbody tr').count()).toBeGreaterThan(0);
    // The columns the job names in its header line, and numbers in the count column.
    expect(await table.locator('thead th').allTextContents()).toEqual([expect.stringMatching(/^OS/), expect.stringMatching(/^count/)]);
    const counts = await table.locator('tbody tr td:nth-child(2)').allTextContents();
    expect(counts.every((c) => /^\d+$/.test(c))).toBe(true);
    expect(await results.getByRole('img').getAttribute('aria-label')).toMatch(/count/);
    expect(await page.getByRole('list', { name: 'Scheduled runs' }).locator('a[aria-current="true"]').getAttribute('data-job')).toBe('os-daily');
    await screenshot(page, 'package-to-results');

    // A second run: the job's runs side by side, one point each for the row picked.
    await page.goto(`${workbench.origin}/#/schedules`);
    await row.getByRole('button', { name: 'Run now' }).click();
    await eventually(() => succeeded.count(), 90_000).toBe(2);
    await succeeded.first().getByRole('link', { name: 'Open in Results' }).click();
    const history = page.getByRole('region', { name: 'History of os-daily' });
    await eventually(() => history.locator('circle.history-point').count()).toBe(2);
    const first = (await table.locator('tbody tr').first().locator('td').allTextContents()) as [string, string];
    expect(await history.getByLabel('Row').inputValue()).toBe(first[0]);
    // The same package on the same data: the same count both times.
    expect(await history.locator('circle.history-point').evaluateAll((points) => points.map((p) => p.getAttribute('data-value')))).toEqual([first[1], first[1]]);
    expect(problems).toEqual([]);
  });
});
