/// <reference lib="dom" />
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { startInstanceSshd, type InstanceSshd } from '../fixtures/ec2-instance-sshd.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { sessionSubmissions, writeTelemetryData } from '../fixtures/telemetry-data.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { instanceNamed, launchHalfHourWorker, startMotoWorkbench } from './moto-workbench.ts';

/**
 * A run on an EC2 worker in the Jobs view: a half-hour worker from moto (its instance played by a
 * loopback sshd), chosen in the run form with its time left; a run with a two-hour timeout is
 * flagged when it starts, shows the worker's countdown, and its output comes home on success.
 */

const moto = useMoto();
let dataDir: string;
let sshd: InstanceSshd | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-ec2-run-'));
});
afterAll(async () => {
  await sshd?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({
  start: () => startMotoWorkbench(moto, dataDir, { env: { SSH_AUTH_SOCK: '' } }),
  page: { viewport: { width: 1400, height: 1000 } },
});

const detail = () => page.locator('article.run-detail');

describe('a run on an EC2 worker (moto, instance played by a loopback sshd)', () => {
  it('shows the worker’s time left, flags a timeout that outlasts it, and brings the output home', async () => {
    await page.goto(`${workbench.origin}/#/workers`);
    await launchHalfHourWorker(page, 'half-hour');
    const instance = await instanceNamed(moto, 'half-hour');
    sshd = await startInstanceSshd(moto, instance.id);
    await writeFile(join(dataDir, 'ssh_config'), `Host ${instance.address}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n`);
    await writeTelemetryData(join(sshd.home, 'data'), sessionSubmissions(60, () => 'Firefox', (i) => ({ info: { OS: i % 4 ? 'WINNT' : 'Linux' } })));

    // Output stays on the worker until asked for (Settings → Runs).
    await page.goto(`${workbench.origin}/#/settings`);
    const auto = page.getByLabel(/Download a run’s output from its worker as soon as it succeeds/);
    await eventually(() => auto.isChecked()).toBe(true);
    await auto.uncheck();
    await eventually(() => page.getByRole('status').textContent()).toBe('Saved.');

    await page.goto(`${workbench.origin}/#/jobs`);
    const picker = page.getByLabel('Worker', { exact: true });
    // Options hold only names (grouped by kind); the chosen worker's details show beside the select.
    await eventually(() => picker.locator('optgroup[label="EC2 workers"] option').allTextContents()).toEqual(['half-hour']);
    await picker.selectOption({ label: 'half-hour' });
    expect(await page.getByTestId('worker-details').textContent()).toMatch(/^EC2 worker · \w+ · (29|30) min \d\d s left$/);
    await screenshot(page, 'jobs-worker-picker-ec2');
    await page.getByLabel('Job', { exact: true }).selectOption('example:os-distribution');
    await page.getByLabel('Data folder on half-hour (v2 layout)').fill(join(sshd.home, 'data'));
    await page.getByLabel('Mappers').fill('1');
    await page.getByRole('button', { name: 'Run on half-hour' }).click();

    await eventually(() => detail().locator('h2').textContent()).toContain('os-distribution');
    expect(await detail().locator('[data-run-warning]').textContent()).toMatch(/^The run's timeout \(2 h\) outlasts half-hour: it terminates itself at .* UTC, in (29|30) min\./);
    await eventually(() => detail().locator('.badge').textContent()).toBe('Succeeded');
    // The output is still on the worker: its countdown says how long there is to fetch it.
    expect(await page.getByTestId('worker-time-left').textContent()).toMatch(/^half-hour terminates itself in (29|30) min \d\d s: download the output before then\.$/);
    expect(await page.getByTestId('results-location').textContent()).toBe('Results: on half-hour');
    await screenshot(page, 'jobs-ec2-run-output-on-worker');
    // A half-hour worker is inside the 60-minute warning: its banner's action fetches every finished run's output.
    const banner = page.locator('[data-expiry-warning]');
    await eventually(() => banner.count()).toBe(1);
    await banner.getByRole('link', { name: 'Download results' }).click();
    await eventually(() => banner.getByRole('status').textContent()).toBe('Downloaded 1 file of 1 run.');
    const table = page.getByRole('table', { name: 'Output of os-distribution' });
    await eventually(() => table.locator('tbody tr').count()).toBe(2);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(Object.fromEntries(rows.map(([os, count]) => [os, Number(count)]))).toEqual({ WINNT: 45, Linux: 15 });
    expect(await page.getByTestId('results-location').textContent()).toMatch(/^Results: downloaded to .*\/results\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    // Everything is here, so the countdown no longer matters for this run...
    expect(await page.getByTestId('worker-time-left').count()).toBe(0);
    await screenshot(page, 'jobs-ec2-run-finished');
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
