import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { newestUbuntuLts } from '../../src/main/services/workers/ec2/ami.ts';
import { workerTags } from '../../src/main/services/workers/ec2/tags.ts';
import { startMoto, type Moto } from '../fixtures/moto.ts';
import { launchChromium, screenshot, type RunningWorkbench } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

let moto: Moto;
let dataDir: string;
let workbench: RunningWorkbench | undefined;
let browser: Browser;

beforeAll(async () => {
  moto = await startMoto();
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-lost-ec2-'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await workbench?.stop();
  await moto?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});


describe('a damaged list of EC2 workers in the browser workbench (moto)', () => {
  it('says so at start and "Find my EC2 workers again" lists the worker again from its tags', async () => {
    // A worker this data dir launched in eu-west-1 (not a region the settings list), as AWS has it.
    const ec2 = new EC2Client({ ...moto.clientConfig(), region: 'eu-west-1' });
    try {
      const image = await newestUbuntuLts(ec2);
      const launchedAt = new Date().toISOString();
      const tags = workerTags({ id: 'ec2-0a1b2c3d', name: 'far-away', owner: 'arn:aws:sts::123456789012:user/moto', launchedAt, deadline: new Date(Date.now() + 3_600_000).toISOString(), sshUser: 'ubuntu' });
      await ec2.send(new RunInstancesCommand({ ImageId: image.ImageId, InstanceType: 't3.medium', MinCount: 1, MaxCount: 1, TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] }));
    } finally {
      ec2.destroy();
    }
    await writeFile(join(dataDir, 'ec2-workers.json'), '{\n  "version": 1,\n  "data": [\n    {\n      "id": "ec2-0a1b');

    workbench = await startMotoWorkbench(moto, dataDir);
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 950 } })).newPage();
    // A step that hangs fails with its own message, within the test's time.
    page.setDefaultTimeout(15_000);
    await page.goto(workbench.url);
    await page.goto(`${workbench.origin}/#/workers`);
    const notice = page.getByRole('alert').filter({ hasText: 'ec2-workers.json could not be used' });
    await eventually(() => notice.textContent()).toMatch(/It was kept as .*ec2-workers\.corrupt-.*still run in AWS and still terminate at their deadlines/);
    await expect.poll(() => page.getByRole('region', { name: 'EC2 workers' }).textContent()).not.toContain('far-away');
    await screenshot(page, 'lost-ec2-registry-notice');

    await notice.getByRole('button', { name: 'Find my EC2 workers again' }).click();
    await eventually(() => page.getByRole('status').filter({ hasText: 'Found 1 EC2 worker' }).count()).toBe(1);
    await eventually(() => page.getByRole('region', { name: 'EC2 workers' }).textContent()).toContain('far-away');

    // Done: the next start does not say it again.
    await page.reload();
    await eventually(() => page.getByRole('region', { name: 'EC2 workers' }).textContent()).toContain('far-away');
    expect(await page.getByText('ec2-workers.json could not be used').count()).toBe(0);
  });
});
