/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMRClient, ListClustersCommand } from '@aws-sdk/client-emr';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { startMoto, type Moto } from '../fixtures/moto.ts';
import { launchChromium, screenshot, type RunningWorkbench } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

let moto: Moto;
let dataDir: string;
let workbench: RunningWorkbench;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-clusters-'));
  workbench = await startMotoWorkbench(moto, dataDir);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1100 } })).newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(workbench.url);
});

afterAll(async () => {
  await browser?.close();
  await workbench?.stop();
  await moto?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('Workers → Spark clusters in the browser workbench (moto)', () => {
  it('shows the cost before launch, launches a cluster AWS will end, extends it and terminates it after confirmation', async () => {
    await page.goto(`${workbench.origin}/#/workers`);
    const section = page.getByRole('region', { name: 'Spark clusters' });
    await section.getByRole('button', { name: 'Launch…' }).click();
    const form = page.getByRole('form', { name: 'Launch a Spark cluster' });
    await form.getByLabel('Name').fill('ui-spark');
    await form.getByLabel(/Instance type/).selectOption('m6i.2xlarge');
    await form.getByLabel('Core nodes', { exact: true }).fill('3');
    await form.getByLabel(/Lifetime/).fill('2');
    // 4 nodes x (0.384 EC2 + 0.096 EMR) = 1.92 per hour.
    await eventually(() => form.getByText(/\$1\.92 per hour \(4 nodes\), \$3\.84 for 2 h\./).isVisible()).toBe(true);
    await form.getByLabel('Allowed SSH source').fill('203.0.113.7/32');
    await form.getByRole('button', { name: 'Launch' }).click();

    const row = section.locator('li.ec2-row', { hasText: 'ui-spark' });
    await eventually(() => row.isVisible()).toBe(true);
    await eventually(() => row.textContent()).toMatch(/1 h 59 min left|2 h 00 min left/);
    expect(await row.textContent()).toContain('1 + 3 × m6i.2xlarge · us-east-1 · emr-7.');
    expect(await row.textContent()).toContain('$1.92/h');
    // The row shows the launch at once ("launching", no cluster yet), then the cluster EMR made.
    const emr = new EMRClient(moto.clientConfig());
    await eventually(async () => ((await emr.send(new ListClustersCommand({}))).Clusters ?? []).length).toBe(1);
    const [made] = (await emr.send(new ListClustersCommand({}))).Clusters ?? [];
    emr.destroy();
    await eventually(() => row.textContent()).toContain(made!.Id!);
    await screenshot(page, 'spark-cluster-launched');

    await row.getByLabel('Hours to add').selectOption('2');
    await row.getByRole('button', { name: 'Extend' }).click();
    await eventually(() => row.textContent()).toMatch(/3 h 59 min left|4 h 00 min left/);
    const id = await row.getAttribute('data-cluster');
    const scheduler = new SchedulerClient(moto.clientConfig());
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: `deadline-${id}`, GroupName: 'analysis-workbench-clusters' }));
    const due = Date.parse(`${/^at\((.*)\)$/.exec(schedule.ScheduleExpression ?? '')?.[1]}Z`);
    expect(Math.abs(due - (Date.now() + 4 * 3_600_000))).toBeLessThan(120_000);

    await row.getByRole('button', { name: 'Terminate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Terminate ui-spark?' });
    await dialog.getByRole('button', { name: 'Terminate' }).click();
    await eventually(() => row.locator('.ec2-state').textContent()).toMatch(/^TERMINAT(ING|ED)$/);
    await expect(scheduler.send(new GetScheduleCommand({ Name: `deadline-${id}`, GroupName: 'analysis-workbench-clusters' }))).rejects.toThrow();
    scheduler.destroy();
    expect(problems).toEqual([]);
  });
});
