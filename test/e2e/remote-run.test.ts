/// <reference lib="dom" />
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../../src/shared/worker-model.ts';
import { appDirWithSshWorker } from '../fixtures/ssh-worker-access.ts';
import { useSshd } from '../fixtures/server-hooks.ts';
import { sessionSubmissions, writeTelemetryData } from '../fixtures/telemetry-data.ts';
import { screenshot, startWorkbenchWithOwnSsh, useWorkbenchInChromium } from './browser-workbench.ts';

const sshd = useSshd();
let root: string;
let dataDir: string;
let worker: WorkerInfo;
const OSES = ['WINNT', 'Linux', 'Darwin'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-remote-'));
  // `box` is the fixture's sshd, its host key already known (the first-use question has its own test),
  // and the setting as a user would have left it: output stays on the worker until asked for.
  ({ appDir: dataDir, worker } = await appDirWithSshWorker(root, sshd, { settings: { autoDownloadResults: false } }));
  // The data set lives on the worker.
  await writeTelemetryData(join(sshd.dir, 'data'), sessionSubmissions(90, () => 'Firefox', (i) => ({ info: { OS: OSES[i % 3]! } })));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startWorkbenchWithOwnSsh(dataDir), page: { viewport: { width: 1400, height: 1000 } } });
beforeAll(() => page.goto(`${workbench.origin}/#/jobs`));

const detail = () => page.locator('article.run-detail');

describe('running a job on an SSH worker from the Jobs view', () => {
  it('picks the worker, runs an example there with Ctrl+Enter, streams the log, and shows the results after download', async () => {
    const picker = page.getByLabel('Worker', { exact: true });
    await expect.poll(() => picker.locator('option').allTextContents()).toEqual(['This computer', 'box']);
    expect(await picker.locator('optgroup[label="SSH hosts"] option').allTextContents()).toEqual(['box']);
    await picker.selectOption(worker.id);
    expect(await page.getByTestId('worker-details').textContent()).toMatch(/^SSH host · (disconnected|connected)$/);
    await page.getByLabel('Job', { exact: true }).selectOption('example:os-distribution');
    await page.getByLabel('Data folder on box (v2 layout)').fill(join(sshd.dir, 'data'));
    await page.getByLabel('Mappers').fill('1');
    expect(await page.getByRole('button', { name: 'Run on box' }).count()).toBe(1);
    await page.keyboard.press('Control+Enter');

    await expect.poll(() => detail().locator('h2').textContent(), { timeout: 30_000 }).toContain('os-distribution');
    expect(await detail().textContent()).toContain('on box');
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 60_000 }).toBe('Succeeded');
    await expect.poll(() => page.getByRole('log').textContent()).toMatch(/Done in [\d.]+s: 90 records/);
    expect(await page.getByRole('log').textContent()).not.toContain('@progress');

    // The output is listed on the worker with its size, not downloaded yet.
    const files = page.getByRole('region', { name: 'Output files' });
    await expect.poll(() => files.locator('td.name').allTextContents()).toEqual(['os-distribution.txt']);
    const runId = (await detail().getAttribute('aria-label'))!.replace('Run ', '');
    const onWorker = await readFile(join(sshd.dir, 'wb', 'runs', runId, 'output', 'os-distribution.txt'));
    expect(await files.locator('td.size').textContent()).toBe(`${onWorker.length} B`);
    expect(await page.getByTestId('results-location').textContent()).toBe('Results: on box');
    expect(await page.getByRole('table', { name: 'Output of os-distribution' }).count()).toBe(0);

    await files.getByRole('button', { name: 'Download all' }).click();
    const table = page.getByRole('table', { name: 'Output of os-distribution' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(Object.fromEntries(rows.map(([os, count]) => [os, Number(count)]))).toEqual({ WINNT: 30, Linux: 30, Darwin: 30 });
    const downloaded = join(dataDir, 'results', runId);
    expect(await page.getByTestId('results-location').textContent()).toBe(`Results: downloaded to ${downloaded}`);
    expect(await readFile(join(downloaded, 'os-distribution.txt'))).toEqual(onWorker);
    // History says where each run's results are.
    expect(await page.getByRole('list', { name: 'Runs' }).textContent()).toContain(`results downloaded to ${downloaded}`);
    await screenshot(page, 'jobs-remote-run-finished');
  });

  it('remembers the worker for the next run', async () => {
    await page.reload();
    await expect.poll(() => page.getByLabel('Worker', { exact: true }).inputValue()).toBe(worker.id);
    expect(await page.getByRole('button', { name: 'Run on box' }).count()).toBe(1);
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
