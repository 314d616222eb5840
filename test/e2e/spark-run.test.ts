/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../../src/shared/worker-model.ts';
import { appDirWithSshWorker } from '../fixtures/ssh-worker-access.ts';
import { useSshd } from '../fixtures/server-hooks.ts';
import { sparkUserBase } from '../fixtures/spark-user-base.ts';
import { screenshot, startWorkbenchWithOwnSsh, useWorkbenchInChromium } from './browser-workbench.ts';

// This computer runs Spark from the repository's .venv; the loopback sshd's python3 has no
// pyspark, so the worker `box` lacks Spark until the test installs it into its (empty) user base.
const userBase = sparkUserBase({ installed: false });
afterAll(() => userBase.remove());
const sshd = useSshd({ extraConfig: [`SetEnv PYTHONUSERBASE=${userBase.path}`] });
let root: string;
let dataDir: string;
let worker: WorkerInfo;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-spark-'));
  ({ appDir: dataDir, worker } = await appDirWithSshWorker(root, sshd));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startWorkbenchWithOwnSsh(dataDir), page: { viewport: { width: 1400, height: 1000 } } });
beforeAll(() => page.goto(`${workbench.origin}/#/jobs`));

const detail = () => page.locator('article.run-detail');
const engine = () => page.getByLabel('Engine', { exact: true });

/** Runs the chosen job to its end; the rows of its result table, sorted. */
async function runAndReadTable(): Promise<string[][]> {
  const before = await detail().getAttribute('aria-label').catch(() => null);
  await page.getByRole('button', { name: 'Run locally' }).click();
  await expect.poll(() => detail().getAttribute('aria-label'), { timeout: 30_000 }).not.toBe(before);
  await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 120_000 }).toBe('Succeeded');
  const table = page.getByRole('table', { name: 'Output of os-distribution' });
  await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(1);
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  return rows.sort((a, b) => a.join('\t').localeCompare(b.join('\t')));
}

describe('the Spark engine in the Jobs view', () => {
  it('runs an example on Spark locally, links its Spark UI while it runs, and gives the local engine’s table', async () => {
    await page.getByLabel('Sample size (MB)').fill('3');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('sample-data').textContent(), { timeout: 60_000 }).toMatch(/\d+ files, [\d.]+ MB compressed/);
    await page.getByLabel('Job', { exact: true }).selectOption('example:os-distribution');
    await page.getByLabel('Mappers').fill('2');

    expect(await engine().locator('option').allTextContents()).toEqual(['Local processes', 'Spark']);
    expect(await engine().inputValue()).toBe('local');
    const local = await runAndReadTable();
    expect(await detail().locator('header p').first().textContent()).toContain('2 mappers, 1 reducer · Local processes');

    await engine().selectOption('spark');
    await expect.poll(() => page.getByTestId('engine-note').textContent()).toMatch(/Spark uses as many cores as Mappers/);
    const before = await detail().getAttribute('aria-label');
    await page.getByRole('button', { name: 'Run locally' }).click();
    await expect.poll(() => detail().getAttribute('aria-label'), { timeout: 30_000 }).not.toBe(before);
    // The link appears once Spark's JVM is up and the log has announced the UI.
    const link = detail().getByRole('link', { name: 'Spark UI' });
    await expect.poll(() => link.count(), { timeout: 60_000, interval: 100 }).toBe(1);
    expect(await link.getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await detail().locator('.badge').textContent()).toBe('Running');
    await screenshot(page, 'jobs-spark-running');

    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 120_000 }).toBe('Succeeded');
    // The UI stopped with the run: the link goes with it.
    expect(await link.count()).toBe(0);
    expect(await detail().locator('header p').first().textContent()).toContain('2 mappers, 1 reducer · Spark');
    const table = page.getByRole('table', { name: 'Output of os-distribution' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBeGreaterThan(1);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows.sort((a, b) => a.join('\t').localeCompare(b.join('\t')))).toEqual(local);
    // The history tells the Spark run from the local one.
    expect(await page.getByRole('list', { name: 'Runs' }).locator('li').allTextContents()).toEqual([expect.stringMatching(/ · Spark$/), expect.not.stringMatching(/Spark/)]);
    await screenshot(page, 'jobs-spark-succeeded');
  }, 300_000);

  it('offers Spark on a worker only when it has it: disabled, saying what to install, until it is there', async () => {
    expect(await engine().inputValue()).toBe('spark');
    await page.getByLabel('Worker', { exact: true }).selectOption(worker.id);
    await expect.poll(() => engine().isDisabled(), { timeout: 30_000 }).toBe(true);
    expect(await engine().inputValue()).toBe('local');
    const note = page.getByTestId('engine-note');
    expect(await note.textContent()).toMatch(/^box cannot run Spark jobs: its python3 has no pyspark .*Install it there: python3 -m pip install --user pyspark==3\.5\.\d+$/);
    expect(await engine().getAttribute('aria-describedby')).toBe('run-form-engine-note');
    await screenshot(page, 'jobs-spark-missing-on-worker');
    // Once pyspark is installed there, Check again offers Spark on the worker.
    userBase.install();
    await page.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(() => engine().isDisabled(), { timeout: 30_000 }).toBe(false);
    expect(await page.getByRole('button', { name: 'Check again' }).count()).toBe(0);
    expect(await engine().inputValue()).toBe('spark');

    // Back on this computer, which has Spark, the choice made before stands.
    await page.getByLabel('Worker', { exact: true }).selectOption('local');
    await expect.poll(() => engine().isDisabled()).toBe(false);
    expect(await engine().inputValue()).toBe('spark');
    expect(problems).toEqual([]);
  });
});
