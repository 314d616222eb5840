/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../../src/shared/worker-model.ts';
import { appDirWithSshWorker } from '../fixtures/ssh-worker-access.ts';
import { useSshd } from '../fixtures/server-hooks.ts';
import { sparkUserBase } from '../fixtures/spark-user-base.ts';
import { sessionSubmissions, writeTelemetryData } from '../fixtures/telemetry-data.ts';
import { screenshot, startWorkbenchWithOwnSsh, useWorkbenchInChromium } from './browser-workbench.ts';

// The worker `box` has Spark: its python3 imports pyspark from the user base given to its sessions.
const userBase = sparkUserBase();
afterAll(() => userBase.remove());
const sshd = useSshd({ extraConfig: [`SetEnv PYTHONUSERBASE=${userBase.path}`] });
let root: string;
let dataDir: string;
let worker: WorkerInfo;
const OSES = ['WINNT', 'Linux', 'Darwin'];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-spark-worker-'));
  ({ appDir: dataDir, worker } = await appDirWithSshWorker(root, sshd));
  await writeTelemetryData(join(sshd.dir, 'data'), sessionSubmissions(600, () => 'Firefox', (i) => ({ info: { OS: OSES[i % 3]! } })));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startWorkbenchWithOwnSsh(dataDir), page: { viewport: { width: 1400, height: 1000 } } });
beforeAll(() => page.goto(`${workbench.origin}/#/jobs`));

const detail = () => page.locator('article.run-detail');

describe('the Spark engine on a worker that has it', () => {
  it('runs there, shows the Spark UI’s address as the worker’s and opens it here through a tunnel', async () => {
    await page.getByLabel('Worker', { exact: true }).selectOption(worker.id);
    const engine = page.getByLabel('Engine', { exact: true });
    await engine.selectOption('spark');
    await expect.poll(() => page.getByTestId('engine-note').textContent(), { timeout: 30_000 }).toMatch(/^Spark uses as many cores as Mappers/);
    expect(await engine.isDisabled()).toBe(false);
    await page.getByLabel('Job', { exact: true }).selectOption('example:os-distribution');
    await page.getByLabel('Data folder on box (v2 layout)').fill(join(sshd.dir, 'data'));
    await page.getByLabel('Mappers').fill('1');
    await page.getByRole('button', { name: 'Run on box' }).click();

    const ui = detail().getByTestId('spark-ui');
    await expect.poll(() => ui.textContent().catch(() => ''), { timeout: 60_000, interval: 100 }).toMatch(/^Spark UI: http:\/\/127\.0\.0\.1:\d+, on box Open Spark UI$/);
    // The address is the worker's: opened here only through a tunnel over box's SSH connection.
    await ui.getByRole('button', { name: 'Open Spark UI' }).click();
    const link = ui.getByRole('link', { name: 'Open Spark UI ↗' });
    await expect.poll(() => link.getAttribute('href').catch(() => null), { timeout: 20_000, interval: 100 }).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const through = await fetch((await link.getAttribute('href')) as string);
    expect(await through.text()).toMatch(/<title>.*Spark Jobs<\/title>/s);
    await screenshot(page, 'jobs-spark-on-worker');
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 120_000 }).toBe('Succeeded');
    expect(await ui.count()).toBe(0);
    const table = page.getByRole('table', { name: 'Output of os-distribution' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 30_000 }).toBe(3);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows).toEqual([
      ['Darwin', '200'],
      ['Linux', '200'],
      ['WINNT', '200'],
    ]);
    expect(problems).toEqual([]);
  }, 300_000);
});
