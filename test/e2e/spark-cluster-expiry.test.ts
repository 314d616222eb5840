/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { recordDesktopNotifications, screenshot, shownNotifications, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

const moto = useMoto();
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-cluster-expiry-'));
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({
  start: () => startMotoWorkbench(moto, dataDir),
  page: { viewport: { width: 1400, height: 1000 } },
  prepare: (context, started) => recordDesktopNotifications(context, started.origin),
});

describe('a Spark cluster near its deadline in the browser workbench (moto)', () => {
  it('is warned of in a banner naming it and its time left, with a desktop notification, Extend and Download results', async () => {
    await page.goto(`${workbench.origin}/#/workers`);
    const section = page.getByRole('region', { name: 'Spark clusters' });
    await section.getByRole('button', { name: 'Launch…' }).click();
    const form = page.getByRole('form', { name: 'Launch a Spark cluster' });
    await form.getByLabel('Name').fill('ui-near');
    await form.getByLabel('Core nodes', { exact: true }).fill('1');
    // The shortest lifetime a cluster has: its deadline is inside the 60-minute warning at once.
    await form.getByLabel(/Lifetime/).fill('1');
    await form.getByLabel('Allowed SSH source').fill('203.0.113.7/32');
    await form.getByRole('button', { name: 'Launch' }).click();
    await form.waitFor({ state: 'detached' });
    const row = section.locator('li.ec2-row', { hasText: 'ui-near' });
    await eventually(() => row.textContent()).toMatch(/ j-[A-Z0-9]+ /);
    const clusterId = (await row.getAttribute('data-cluster')) ?? '';
    expect(clusterId).toMatch(/^emr-[a-z0-9]{8}$/);

    // Asking AWS again checks the deadlines.
    await page.getByRole('button', { name: 'Refresh Spark clusters' }).click();
    const banner = page.locator(`[data-expiry-warning="${clusterId}"]`);
    await eventually(() => banner.count()).toBe(1);
    expect(await banner.textContent()).toMatch(/AWS terminates ui-near in (59|60) minutes \(at \d\d:\d\d UTC\)/);
    expect(await banner.getByRole('link', { name: 'Download results' }).count()).toBe(1);
    await eventually(() => shownNotifications(page)).toEqual([expect.stringMatching(/^ui-near: (59|60) minutes left$/)]);
    await screenshot(page, 'spark-cluster-expiry-warning');
    // Download results asks for the runs on the cluster's worker (its id is the cluster's) and says what came.
    await banner.getByRole('link', { name: 'Download results' }).click();
    await eventually(async () => (await banner.getByRole('status').textContent())?.trim() ?? '').toMatch(/\S/);
    await screenshot(page, 'spark-cluster-expiry-download');
    // Back to the Workers view without reloading the page (the banner lives in the page).
    await page.evaluate(() => (location.hash = '#/workers'));

    // Extend from the banner moves the schedule in AWS that ends the cluster, and the banner goes.
    await banner.getByLabel('Hours to add').selectOption('2');
    await banner.getByRole('button', { name: 'Extend' }).click();
    await eventually(() => banner.count()).toBe(0);
    await eventually(() => row.textContent()).toMatch(/2 h 59 min|3 h 00 min/);
    const scheduler = new SchedulerClient(moto.clientConfig());
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: `deadline-${clusterId}`, GroupName: 'analysis-workbench-clusters' }));
    scheduler.destroy();
    const due = Date.parse(`${/^at\((.*)\)$/.exec(schedule.ScheduleExpression ?? '')?.[1]}Z`);
    expect(Math.abs(due - (Date.now() + 3 * 3_600_000))).toBeLessThan(120_000);
    expect(problems).toEqual([]);
  });
});
