/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

// A laptop's screen: what a run shows must fit it.
const { workbench, page, problems } = useWorkbenchInChromium({ page: { viewport: { width: 1280, height: 800 } } });

const detail = () => page.locator('article.run-detail');
const jobSelect = () => page.getByLabel('Job', { exact: true });
// Exact: the Workers view, still on screen for a moment after the Jobs link, has lists labelled "Workers" and "Worker NAME".
const workerSelect = () => page.locator('form.run-form').getByLabel('Worker', { exact: true });
const formAlert = () => page.locator('form.run-form [role=alert]');
const selectedJob = () => jobSelect().evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent ?? '');

/** The records of a v2 data folder, uncompressed, in bytes (what the sample size asks for). */
function uncompressedBytes(folder: string): number {
  const script = [
    'import gzip, lzma, os, sys',
    'total = 0',
    'for d, _, files in os.walk(sys.argv[1]):',
    '    for f in files:',
    '        p = os.path.join(d, f)',
    '        total += len((gzip.open if f.endswith(".gz") else lzma.open)(p).read())',
    'print(total)',
  ].join('\n');
  return Number(execFileSync('python3', ['-c', script, folder], { encoding: 'utf8' }));
}

/** A loopback port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function runAndWait(job: string): Promise<void> {
  await jobSelect().selectOption(job);
  await page.keyboard.press('Control+Enter');
  await expect.poll(() => detail().locator('h2').textContent()).toContain(job.slice('example:'.length));
  await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 60_000 }).toBe('Succeeded');
}

describe('context the UI keeps and shows', () => {
  it('says the sample size is megabytes of uncompressed records, and generates that much', { timeout: 120_000 }, async () => {
    await page.goto(`${workbench.origin}/#/jobs`);
    const size = page.getByLabel('Sample size (MB), uncompressed');
    expect(await size.isVisible()).toBe(true);
    expect(await size.inputValue()).toBe('20');
    await page.getByRole('button', { name: 'Generate' }).click();
    const sample = page.getByTestId('sample-data');
    await expect.poll(() => sample.textContent(), { timeout: 90_000 }).toMatch(/MB of records uncompressed/);
    await screenshot(page, 'ui-context-sample-size');
    const real = uncompressedBytes(join(workbench.dataDir, 'sample-data'));
    // What was asked is what was made, and what is shown is what was made.
    expect(Math.abs(real - 20e6) / 20e6).toBeLessThan(0.01);
    const shown = /(\d+) files, ([\d.]+) MB compressed \(([\d.]+) MB of records uncompressed\)/.exec((await sample.textContent())!);
    expect(shown).not.toBeNull();
    expect(shown![3]).toBe((real / 1e6).toFixed(1));
  });

  it('shows the job of the run it shows: picking another run in History sets the form to that job', async () => {
    await runAndWait('example:histogram-aggregation');
    await runAndWait('example:os-distribution');
    expect(await selectedJob()).toBe('Example: os-distribution');
    await page.getByRole('list', { name: 'Runs' }).getByRole('link').filter({ hasText: 'histogram-aggregation' }).click();
    await expect.poll(() => detail().locator('h2').textContent()).toContain('histogram-aggregation');
    await expect.poll(selectedJob).toBe('Example: histogram-aggregation');
    expect(await page.locator('form.run-form').textContent()).toContain('Sums every histogram');
    expect(await page.locator('form.run-form').textContent()).not.toContain('Counts saved-session submissions');
    await screenshot(page, 'ui-context-form-follows-run');
  });

  it('shows a finished run’s results on the first screen, the log folded away but one click off', async () => {
    await page.getByRole('list', { name: 'Runs' }).getByRole('link').filter({ hasText: 'os-distribution' }).click();
    await expect.poll(() => detail().locator('h2').textContent()).toContain('os-distribution');
    const results = page.getByRole('region', { name: 'Results' });
    await expect.poll(() => results.count()).toBe(1);
    await page.evaluate(() => window.scrollTo(0, 0));
    const viewport = page.viewportSize()!;
    const box = (await results.boundingBox())!;
    // Its heading and the chart's first bars are in sight without scrolling.
    expect(box.y + 200).toBeLessThanOrEqual(viewport.height);
    const chart = (await results.locator('canvas').boundingBox())!;
    expect(chart.y + 100).toBeLessThanOrEqual(viewport.height);
    const firstRow = (await results.getByRole('table').locator('tbody tr').first().boundingBox())!;
    expect(firstRow.y + firstRow.height).toBeLessThanOrEqual(viewport.height);
    await screenshot(page, 'ui-context-results-in-sight');
    // Folded to its last line, the log opens with a click.
    expect(await detail().locator('.run-log > summary').textContent()).toMatch(/Done in [\d.]+s/);
    await detail().locator('.run-log > summary').click();
    await expect.poll(() => page.getByRole('log').textContent()).toMatch(/Done in [\d.]+s/);
  });

  it('offers the Editor’s workspaces as jobs, and runs one without typing its path', async () => {
    await page.getByRole('link', { name: 'Editor' }).click();
    await page.getByLabel('Name').fill('context-job');
    await page.getByLabel('Start from').selectOption('template');
    await page.getByRole('button', { name: 'Create job' }).click();
    await expect.poll(() => page.getByRole('toolbar', { name: 'Workspace' }).textContent()).toContain('context-job');
    await page.getByRole('link', { name: 'Jobs' }).click();
    const option = jobSelect().locator('optgroup[label="Editor workspaces"] option', { hasText: 'context-job' });
    await expect.poll(() => option.count()).toBe(1);
    await jobSelect().selectOption({ label: (await option.textContent())! });
    expect(await page.getByLabel('Job folder').count()).toBe(0);
    await screenshot(page, 'ui-context-workspace-job');
    await page.getByRole('button', { name: 'Run locally' }).click();
    await expect.poll(() => detail().locator('h2').textContent()).toContain('context-job');
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 60_000 }).toBe('Succeeded');
    expect(await selectedJob()).toBe((await option.textContent())!);
  });

  it('clears an error when the worker changes: it was about the other worker', async () => {
    const port = await closedPort();
    await page.getByRole('link', { name: 'Workers' }).click();
    await page.getByRole('button', { name: 'Add SSH host…' }).click();
    const form = page.getByRole('form', { name: 'Add SSH host' });
    await form.getByLabel('Host or ssh_config alias').fill('127.0.0.1');
    await form.getByLabel('Name').fill('nowhere');
    await form.getByLabel('Port').fill(String(port));
    await form.getByRole('button', { name: 'Add host' }).click();
    await expect.poll(() => page.getByText('nowhere').count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Jobs' }).click();

    // An error here, then another worker: the error goes.
    await workerSelect().selectOption('local');
    await jobSelect().selectOption('folder');
    await page.getByLabel('Job folder').fill(join(workbench.dataDir, 'no-such-job'));
    await page.getByRole('button', { name: 'Run locally' }).click();
    await expect.poll(() => formAlert().textContent()).toMatch(/does not exist/);
    await workerSelect().selectOption({ label: 'nowhere' });
    await expect.poll(() => formAlert().count()).toBe(0);

    // An error there, then back here: gone too.
    await jobSelect().selectOption('example:os-distribution');
    await page.getByLabel('Data folder on nowhere (v2 layout)').fill('/data');
    await page.getByRole('button', { name: 'Run on nowhere' }).click();
    await expect.poll(() => formAlert().count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, 'ui-context-error-on-worker');
    await workerSelect().selectOption('local');
    await expect.poll(() => formAlert().count()).toBe(0);
    await screenshot(page, 'ui-context-error-cleared');
  });

  it('asks before Ctrl+Enter runs code the editor marks broken: Esc keeps editing, Enter runs anyway', async () => {
    await page.getByRole('link', { name: 'Editor' }).click();
    await expect.poll(() => page.getByRole('toolbar', { name: 'Workspace' }).textContent()).toContain('context-job');
    await page.getByRole('tab', { name: /^job\.py/ }).click();
    const runsBefore = await page.evaluate(() => location.hash);
    await page.locator('[data-testid=monaco] .view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\ndef broken');
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.getByRole('region', { name: 'Problems' }).textContent()).toContain('SyntaxError');

    await page.keyboard.press('Control+Enter');
    const ask = page.getByRole('dialog', { name: 'Run with problems?' });
    await expect.poll(() => ask.count()).toBe(1);
    expect(await ask.textContent()).toContain('job.py');
    expect(await ask.textContent()).toContain('SyntaxError');
    await screenshot(page, 'ui-context-run-broken-asks');
    await page.keyboard.press('Escape');
    await expect.poll(() => ask.count()).toBe(0);
    expect(await page.evaluate(() => location.hash)).toBe(runsBefore);

    await page.locator('[data-testid=monaco] .view-lines').click();
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => ask.count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/jobs\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 60_000 }).toBe('Failed');
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
