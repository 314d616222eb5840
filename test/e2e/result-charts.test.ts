/// <reference lib="dom" />
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

const { workbench, page, problems } = useWorkbenchInChromium({
  page: { viewport: { width: 1400, height: 1000 }, acceptDownloads: true },
  prepare: (context, started) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: started.origin }),
});

const detail = () => page.locator('article.run-detail');
const results = () => page.locator('.run-results');

/** Runs an example on the sample data from the Jobs view and waits for its result table. */
async function runExample(name: string): Promise<void> {
  await page.getByLabel('Job', { exact: true }).selectOption(`example:${name}`);
  await page.getByLabel('Mappers').fill('2');
  await page.getByRole('button', { name: 'Run locally' }).click();
  await expect.poll(() => detail().locator('h2').textContent(), { timeout: 20_000 }).toContain(name);
  await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 60_000 }).toBe('Succeeded');
  await expect.poll(() => page.getByRole('table', { name: `Output of ${name}` }).locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
}

async function headers(name: string): Promise<string[]> {
  return (await page.getByRole('table', { name: `Output of ${name}` }).getByRole('columnheader').allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
}

/** Pixels of the chart canvas painted in the theme's accent colour (bars, a line and its points). */
function accentPixels(): Promise<number> {
  return results()
    .locator('.result-chart canvas')
    .evaluate((canvas: HTMLCanvasElement) => {
      const accent = getComputedStyle(canvas).getPropertyValue('--accent').trim();
      const hex = /^#([0-9a-f]{6})$/i.exec(accent)![1]!;
      const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 100 && Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 60) painted++;
      }
      return painted;
    });
}

const chartName = () => results().locator('.result-chart canvas').getAttribute('aria-label');
const chartKind = () => results().locator('.result-chart').getAttribute('data-chart');

/** The run's output file as written, read from the result folder the heading names. */
async function outputText(file: string): Promise<string> {
  const heading = await results().locator('h3').textContent();
  expect(heading).toMatch(new RegExp(`^${file.replace('.', '\\.')} `));
  const dir = heading!.split(' · ').at(-1)!.trim();
  return readFile(join(dir, file), 'utf8');
}

describe('results chart what they hold, under the names the job gave its columns', () => {
  it('generates sample data', async () => {
    await page.goto(`${workbench.origin}/#/jobs`);
    await page.getByLabel('Sample size (MB)').fill('2');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('sample-data').textContent(), { timeout: 60_000 }).toMatch(/\d+ files, [\d.]+ MB compressed/);
  });

  it('histogram-aggregation: the buckets of one histogram as bars, another histogram on choosing it', async () => {
    await runExample('histogram-aggregation');
    expect(await headers('histogram-aggregation')).toEqual(['histogram', 'totals']);
    expect(await chartKind()).toBe('buckets');
    const first = await page.getByRole('table', { name: 'Output of histogram-aggregation' }).locator('tbody tr').first().locator('td').allTextContents();
    const buckets = (JSON.parse(first[1]!) as { buckets: number[] }).buckets;
    const total = buckets.reduce((a, b) => a + b, 0);
    expect(await chartName()).toBe(`Buckets of ${first[0]}: ${buckets.length} buckets, ${total.toLocaleString('en')} in all`);
    await expect.poll(accentPixels).toBeGreaterThan(2000);
    expect(await page.getByRole('radio', { name: 'Buckets' }).isChecked()).toBe(true);
    await screenshot(page, 'result-charts-histogram-aggregation');

    const series = page.getByLabel('Series');
    const names = await series.locator('option').allTextContents();
    expect(names[0]).toBe(first[0]);
    await series.selectOption(names[2]!);
    await expect.poll(chartName).toMatch(new RegExp(`^Buckets of ${names[2]}: \\d+ buckets`));
    await expect.poll(accentPixels).toBeGreaterThan(500);
    expect(await page.locator('.result-chart-empty').count()).toBe(0);
  });

  it('submissions-per-day: the submission dates on a time axis', async () => {
    await runExample('submissions-per-day');
    expect(await headers('submissions-per-day')).toEqual(['submission_date', 'submissions']);
    expect(await chartKind()).toBe('time');
    expect(await page.getByRole('radio', { name: 'Over time' }).isChecked()).toBe(true);
    expect(await chartName()).toBe('submissions over submission_date, 7 points from 2014-07-01 to 2014-07-07');
    await expect.poll(accentPixels).toBeGreaterThan(300);
    await screenshot(page, 'result-charts-submissions-per-day');
  });

  it('slowsql: six named CSV columns; Export CSV saves them quoted as RFC 4180 says', async () => {
    await runExample('slowsql');
    expect(await headers('slowsql')).toEqual(['thread', 'query', 'submissions', 'invocations', 'total_ms', 'mean_ms']);
    expect(await chartKind()).toBe('bar');
    expect(await chartName()).toMatch(/^Bar chart of submissions by query, top \d+$/);
    await expect.poll(accentPixels).toBeGreaterThan(2000);
    await screenshot(page, 'result-charts-slowsql');

    // From the keyboard: focus the button, press Enter.
    const downloaded = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).focus();
    await page.keyboard.press('Enter');
    const download = await downloaded;
    expect(download.suggestedFilename()).toBe('slowsql.csv');
    const csv = await readFile((await download.path())!, 'utf8');
    // The job wrote CSV with a '#' header line; the export is the same table with plain names and CRLF.
    const written = await outputText('slowsql.txt'); // a job run from the Jobs view writes <job>.txt, CSV inside
    const [header, ...lines] = written.split('\n').filter((line) => line !== '');
    expect(csv).toBe([header!.slice(1), ...lines].map((line) => `${line}\r\n`).join(''));
    expect(csv).toMatch(/\r\nmainThread,"[^"\r\n]*, [^"\r\n]*",\d+/); // a query with a comma, quoted
    expect(csv).toContain('""'); // a query with quotes, doubled
    const rows = await page.getByRole('table', { name: 'Output of slowsql' }).locator('tbody tr').count();
    expect(await page.getByRole('status').filter({ hasText: 'Saved' }).textContent()).toBe(`Saved ${rows} rows as slowsql.csv.`);
  });

  it('os-distribution: OS and count as bars; Copy as TSV puts the table on the clipboard', async () => {
    await runExample('os-distribution');
    expect(await headers('os-distribution')).toEqual(['OS', 'count']);
    expect(await chartName()).toMatch(/^Bar chart of count by OS, top \d$/);
    await expect.poll(accentPixels).toBeGreaterThan(2000);
    expect(await page.getByLabel('Labels').locator('option').allTextContents()).toEqual(['OS', 'count']);

    await page.evaluate(() => navigator.clipboard.writeText('before'));
    await page.getByRole('button', { name: 'Copy as TSV' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Copied' }).textContent()).toMatch(/^Copied \d rows as TSV\.$/);
    const written = await outputText('os-distribution.txt');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(written.slice(1));
    await screenshot(page, 'result-charts-os-distribution');
    expect(problems).toEqual([]);
  });
});
