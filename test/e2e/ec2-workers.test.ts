/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-ec2-'));
  workbench = await startMotoWorkbench(moto, dataDir, { awsConfig: '[default]\nregion = us-east-1\n\n[profile analyst]\nregion = eu-west-1\n' });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 950 } })).newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(workbench.url);
});

afterAll(async () => {
  await browser?.close();
  await workbench?.stop();
  await moto?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});


describe('AWS settings and EC2 workers in the browser workbench (moto)', () => {
  it('Settings → AWS lists profiles by name, checks the identity, and refuses to store keys here', async () => {
    await page.goto(`${workbench.origin}/#/settings`);
    const aws = page.getByRole('region', { name: 'AWS' });
    const select = aws.getByLabel('Profile for EC2 workers');
    await eventually(() => select.locator('option').allTextContents()).toEqual(['analyst (AWS config files, eu-west-1)', 'default (AWS config files, us-east-1)']);
    await expect.poll(() => select.inputValue()).toBe('profile:default');
    await aws.getByRole('button', { name: 'Check identity' }).click();
    await eventually(() => aws.getByRole('status').textContent()).toBe('Account 123456789012, region us-east-1');
    await aws.getByText('Enter an access key').click();
    await eventually(() => aws.getByText(/only kept by the desktop app/).isVisible()).toBe(true);
    // Nothing secret reached the page.
    expect(await page.content()).not.toContain('testing');
    expect(await page.content()).not.toContain('arn:aws');
    await screenshot(page, 'ec2-settings-aws');
  });

  it('launches a worker from the form, shows its countdown and cost, and terminates it after confirmation', async () => {
    await page.goto(`${workbench.origin}/#/workers`);
    const section = page.getByRole('region', { name: 'EC2 workers' });
    await section.getByRole('button', { name: 'Launch…' }).click();
    const form = page.getByRole('form', { name: 'Launch an EC2 worker' });
    await form.getByLabel('Name').fill('ui-worker');
    await form.getByLabel('Instance type').selectOption('t3.large');
    await form.getByLabel(/Lifetime/).fill('3');
    // The address is not looked up in tests: the form says so and the source is typed.
    await eventually(() => form.getByText(/not looked up while only loopback/).isVisible()).toBe(true);
    await form.getByLabel('Allowed SSH source').fill('203.0.113.7/32');
    await eventually(() => form.getByText(/At most \$0\.25 for its whole life/).isVisible()).toBe(true);
    await form.getByRole('button', { name: 'Launch' }).click();

    const row = section.locator('li.ec2-row', { hasText: 'ui-worker' });
    await eventually(() => row.isVisible()).toBe(true);
    await eventually(() => row.textContent()).toMatch(/2 h 59 min left/);
    expect(await row.textContent()).toContain('t3.large · us-east-1');
    expect(await row.textContent()).toMatch(/\$0\.0\d so far/);
    await screenshot(page, 'ec2-worker-launched');

    await row.getByRole('button', { name: 'Terminate…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Terminate ui-worker?' });
    await dialog.getByRole('button', { name: 'Terminate' }).click();
    await eventually(() => row.locator('.ec2-state').textContent()).toMatch(/shutting-down|terminated/);
    expect(problems).toEqual([]);
  });
});
