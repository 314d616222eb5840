/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startBrowserWorkbench, useWorkbenchInChromium } from './browser-workbench.ts';

let root: string;
let dataDir: string;
let tarball: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-schedules-'));
  dataDir = join(root, 'data');
  // A packaged example and a small data set, made with the CLI as a user would.
  tarball = join(root, 'os-distribution.tar.gz');
  const cli = (...args: string[]) => execFileSync(process.execPath, [resolve('bin/workbench.js'), ...args], { stdio: 'pipe' });
  cli('pack', resolve('resources/examples/os-distribution'), '-o', tarball);
  cli('sample-data', '--size-mb', '1', '--data-dir', dataDir);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const { workbench, page, problems } = useWorkbenchInChromium({
  start: () => startBrowserWorkbench({ dataDir }),
  page: { viewport: { width: 1400, height: 1000 }, timezoneId: 'America/New_York' },
});

describe('scheduling a job from the UI (local backend)', () => {
  it('validates the form, previews the runs, creates a schedule, runs it now and shows the run in its history', async () => {
    const nav = await page.locator('.sidebar a').allTextContents();
    const at = nav.findIndex((t) => t.includes('Schedules'));
    await page.keyboard.press(`Control+${at + 1}`);
    await page.getByRole('link', { name: 'Schedule a job' }).click();
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await expect.poll(() => form.count()).toBe(1);

    // Messages say what to fix, beside the field.
    // The name's format is checked as it is typed; a field not yet reached stays quiet until Schedule.
    await form.getByLabel('Job name').fill('OS weekly');
    await expect.poll(() => form.getByRole('alert').allTextContents()).toEqual([expect.stringMatching(/^a short slug: lower-case letters, digits and "-" \(no spaces or quotes\)/)]);
    await screenshot(page, 'schedule-form-name-as-typed');
    await form.getByRole('button', { name: 'Schedule' }).click();
    await expect.poll(() => form.getByRole('alert').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^a short slug: lower-case letters, digits and "-" \(no spaces or quotes\)/), 'the path of the code tarball (.tar.gz)']));

    // Monthly on the 31st: the short-month rule is spelled out; five runs in UTC and local time.
    await form.getByLabel('Frequency').selectOption('monthly');
    await form.getByLabel('Day of month (1–31)').fill('31');
    await expect.poll(() => form.getByRole('note').textContent()).toBe('Months without a day 31 (February, April, June, September and November) run on their last day.');
    const preview = form.getByRole('table');
    await expect.poll(() => preview.locator('tbody tr').count()).toBe(5);
    const [utc, local] = await preview.locator('tbody tr').first().locator('td').allTextContents();
    expect(utc).toMatch(/^\d{4}-\d{2}-(28|29|30|31) 12:00 UTC$/);
    expect(local).toMatch(/^\w{3} \d{4}-\d{2}-\d{2} 0[78]:00 E[SD]T$/);

    await form.getByLabel('Frequency').selectOption('weekly');
    await form.getByLabel('Day of week').selectOption('0');
    await form.getByLabel('Job name').fill('os-weekly');
    await form.getByLabel('Code tarball').fill(tarball);
    await form.getByLabel('Timeout (minutes, at most 1440)').fill('10');
    await expect.poll(() => form.getByLabel('Runs on').inputValue()).toBe('local');
    await form.getByRole('button', { name: 'Schedule' }).click();

    const row = page.locator('tr[data-schedule="os-weekly"]');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(2).textContent()).toBe('weekly on Sunday at 12:00 UTC');
    await expect.poll(() => page.getByText('No runs yet. Use Run now to try it.').count()).toBe(1);

    await row.getByRole('button', { name: 'Run now' }).click();
    const succeeded = page.locator('.history-table tr[data-status="succeeded"]');
    await expect.poll(() => succeeded.count(), { timeout: 60_000 }).toBe(1);
    const cells = await succeeded.locator('td').allTextContents();
    expect(cells[1]).toBe('run now');
    expect(cells[4]).toMatch(/^1 file, \d+(\.\d)? (B|KiB)$/);
    // A folder on this computer: no view opens it, so its path can be copied.
    const output = succeeded.locator('td.output-location');
    expect(await output.locator('code').textContent()).toMatch(/published\/os-weekly\/runs\/\d{8}-\d{6}-[0-9a-f]{6}\/data\/$/);
    await output.getByRole('button', { name: /^Copy the path / }).click();
    await expect.poll(() => output.getByRole('button').textContent()).toBe('Copied');

    await succeeded.getByRole('button', { name: 'log' }).click();
    await expect.poll(() => page.getByLabel(/^Log of run /).textContent()).toContain('status succeeded');
    // The runner's machine-readable progress reads as one line per step.
    const logText = (await page.getByLabel(/^Log of run /).locator('pre').textContent()) ?? '';
    expect(logText).not.toContain('@progress');
    expect(logText).toMatch(/^Done 100%: \d+ of \d+ files · /m);
    await screenshot(page, 'schedules');
    expect(problems).toEqual([]);
  });

  it('raises a banner for a failed run whose History link leads to the run and settles the banner', async () => {
    await page.goto(`${workbench.origin}/#/schedules/+new`);
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await form.getByLabel('Job name').fill('os-broken');
    await form.getByLabel('Code tarball').fill(tarball);
    await form.getByLabel('Command line').fill('exit 3');
    await expect.poll(() => form.getByLabel('Runs on').inputValue()).toBe('local');
    await form.getByRole('button', { name: 'Schedule' }).click();
    const row = page.locator('tr[data-schedule="os-broken"]');
    await expect.poll(() => row.count()).toBe(1);
    await row.getByRole('button', { name: 'Run now' }).click();

    const banner = page.locator('[data-schedule-alert="os-broken"]');
    await expect.poll(() => banner.count(), { timeout: 60_000 }).toBe(1);
    expect(await banner.getAttribute('role')).toBe('alert');
    await screenshot(page, 'schedule-alert-banner');
    await page.goto(`${workbench.origin}/#/jobs`);
    await banner.getByRole('link', { name: 'History' }).click();
    await expect.poll(() => page.locator('.history-table tr[data-status="failed"]').count()).toBe(1);
    // Following the link settles the alert; another failure would raise a new one.
    expect(await banner.count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it('opens the form with a package filled in from the Package view\'s link', async () => {
    const odd = join(root, 'a b&c+d%.tar.gz');
    // The link the Package view shows under a built package.
    await page.evaluate((path) => (location.hash = `#/schedules/${encodeURIComponent(`+new?tarball=${encodeURIComponent(path)}`)}`), odd);
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await expect.poll(() => form.getByLabel('Code tarball').inputValue()).toBe(odd);
    expect(problems).toEqual([]);
  });
});
