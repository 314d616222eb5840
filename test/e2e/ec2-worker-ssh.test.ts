/// <reference lib="dom" />
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { startInstanceSshd, type InstanceSshd } from '../fixtures/ec2-instance-sshd.ts';
import { startMoto, type Moto } from '../fixtures/moto.ts';
import { launchChromium, recordDesktopNotifications, screenshot, shownNotifications, type RunningWorkbench } from './browser-workbench.ts';
import { instanceNamed, launchHalfHourWorker, startMotoWorkbench } from './moto-workbench.ts';

/**
 * An EC2 worker in the UI, from launch to a shell on it: launched from the form against moto,
 * its instance played by a loopback sshd set up from the instance's user-data (the app's host
 * key and per-worker key), its address mapped there by the app's ssh_config.
 */

let moto: Moto;
let dataDir: string;
let workbench: RunningWorkbench;
let browser: Browser;
let page: Page;
let sshd: InstanceSshd | undefined;
let impostor: InstanceSshd | undefined;
/** The worker's id as the Workers list links it. */
let workerId = '';
const problems: string[] = [];

beforeAll(async () => {
  moto = await startMoto();
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-ec2-ssh-'));
  // No ssh-agent: the worker's own key is the one that logs in.
  workbench = await startMotoWorkbench(moto, dataDir, { env: { SSH_AUTH_SOCK: '' } });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
  await recordDesktopNotifications(context, workbench.origin);
  page = await context.newPage();
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(workbench.url);
});

afterAll(async () => {
  await browser?.close();
  await workbench?.stop();
  await Promise.all([sshd?.stop(), impostor?.stop(), moto?.stop()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const detail = () => page.locator('article.worker-detail');
const listed = () => page.locator('.worker-list a', { hasText: 'mapped' });
const activePane = () => page.locator('.terminal-pane:not([hidden])');

/** The sshd playing the instance (started by the first test; the later ones need it). */
function instanceSshd(): InstanceSshd {
  if (!sshd) throw new Error('the instance sshd was not started (the launch test failed)');
  return sshd;
}

/** What an xterm pane shows (its DOM renderer's rows), spaces normalised. */
async function screenText(pane: Locator): Promise<string> {
  const rows = await pane.locator('.xterm-rows > div').allTextContents();
  return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
}

describe('an EC2 worker in the Workers view (moto, instance played by a loopback sshd)', () => {
  it('is launched from the form and listed among the workers with its countdown and cost', async () => {
    await page.goto(`${workbench.origin}/#/workers`);
    await launchHalfHourWorker(page, 'mapped');

    await eventually(() => listed().count()).toBe(1);
    await eventually(() => listed().textContent()).toMatch(/EC2 t3\.medium · 29 min \d\d s left\$0\.0\d so far/);
    workerId = (await listed().getAttribute('data-worker-id')) ?? '';
    expect(workerId).toMatch(/^ec2-[a-z0-9]{8}$/);
    const instance = await instanceNamed(moto, 'mapped');
    expect(await listed().textContent()).toContain(`${userInfo().username}@${instance.address}`);
    // The instance, as cloud-init would set it up from its user-data; the app's ssh_config sends its address there.
    sshd = await startInstanceSshd(moto, instance.id);
    await writeFile(join(dataDir, 'ssh_config'), `Host ${instance.address}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n`);
  });

  it('warns 60 minutes before the kill with a banner and a desktop notification, naming the worker as workers:list does', async () => {
    // Asking AWS again checks the deadlines: 30 minutes left is inside the 60-minute warning.
    await page.getByRole('button', { name: 'Refresh EC2 workers' }).click();
    const banner = page.locator('[data-expiry-warning]');
    await eventually(() => banner.count()).toBe(1);
    expect(await banner.getAttribute('data-expiry-warning')).toBe(workerId);
    expect(await banner.textContent()).toMatch(/mapped terminates itself in (29|30) minutes/);
    expect(await banner.getByRole('link', { name: 'Download results' }).count()).toBe(1);
    await eventually(() => shownNotifications(page)).toEqual([expect.stringMatching(/^mapped: (29|30) minutes left$/)]);
    await screenshot(page, 'ec2-expiry-warning');
    await banner.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('connects with its pinned host key (no question asked) and opens a terminal on it', async () => {
    await listed().click();
    await eventually(() => detail().locator('h2').textContent()).toContain('mapped');
    expect(await detail().textContent()).toMatch(/EC2 t3\.medium in us-east-1 \((pending|running)\) · host key pinned at launch/);
    expect(await detail().getByRole('button', { name: 'Remove…' }).count()).toBe(0);
    await detail().getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 20_000 }).toBe('Connected');
    expect(await page.getByRole('dialog').count()).toBe(0);

    await detail().getByRole('button', { name: 'Open a terminal' }).click();
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/\S/);
    await activePane().locator('.xterm').click();
    await page.keyboard.type('echo "ec2-$((6*7)) in $HOME"');
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(new RegExp(`^ec2-42 in ${instanceSshd().home}$`, 'm'));
    await screenshot(page, 'ec2-worker-terminal');
  });

  it('browses its files in the Files view', async () => {
    const home = instanceSshd().home;
    await writeFile(join(home, 'results.csv'), 'app,count\nFirefox,20\n');
    await detail().getByRole('link', { name: 'Files' }).click();
    await eventually(() => page.getByLabel('Worker', { exact: true }).locator('option:checked').textContent()).toBe('mapped');
    const table = page.getByRole('table', { name: /^Files in / });
    await expect.poll(() => table.count(), { timeout: 20_000 }).toBe(1);
    await page.getByLabel('Path', { exact: true }).fill(home);
    await page.getByLabel('Path', { exact: true }).press('Enter');
    await eventually(() => table.getAttribute('aria-label')).toBe(`Files in ${home}`);
    await eventually(() => table.locator('tr[data-name="results.csv"]').count()).toBe(1);
    await screenshot(page, 'ec2-worker-files');
  });

  it('the Workers view shows the EC2 worker, connected, with its time left and cost', async () => {
    await page.goto(`${workbench.origin}/#/workers/${workerId}`);
    await eventually(() => listed().locator('.badge').textContent()).toBe('Connected');
    await eventually(() => listed().textContent()).toMatch(/\d+ min \d\d s left/);
    // The EC2 part below (launch, extend, terminate) has it too, once AWS has answered.
    const row = page.getByRole('region', { name: 'EC2 workers' }).locator('li.ec2-row', { hasText: 'mapped' });
    await eventually(() => row.textContent()).toMatch(/t3\.medium · us-east-1 · [\d.]+.*\d+ min \d\d s left\$0\.0\d so far/);
    await screenshot(page, 'ec2-worker-in-workers-view');
    expect(problems).toEqual([]);
  });

  it('an instance showing another host key than the pinned one is refused, with a warning that says what to do', async () => {
    await launchHalfHourWorker(page, 'impostor');
    const other = page.locator('.worker-list a', { hasText: 'impostor' });
    await eventually(() => other.count()).toBe(1);
    const instance = await instanceNamed(moto, 'impostor');
    impostor = await startInstanceSshd(moto, instance.id, { hostKey: 'own' });
    await writeFile(join(dataDir, 'ssh_config'), `Host ${instance.address}\n  HostName 127.0.0.1\n  Port ${impostor.port}\n`, { flag: 'a' });
    await other.click();
    await eventually(() => detail().locator('h2').textContent()).toContain('impostor');
    await detail().getByRole('button', { name: 'Connect' }).click();
    // The warning opens by itself: a red dialog with both fingerprints and nothing that accepts the key.
    const dialog = page.getByRole('alertdialog', { name: 'Warning: the host key of impostor has changed' });
    await dialog.waitFor();
    expect(await dialog.getByTestId('host-key-fingerprint').textContent()).toBe(impostor.hostKeyFingerprint);
    expect(await dialog.textContent()).toContain('Pinned at launch');
    expect(await dialog.textContent()).toContain('no other key can be this worker’s. Terminate it and launch a new one.');
    expect(await dialog.getByRole('button').allTextContents()).toEqual(['Close']);
    await screenshot(page, 'ec2-worker-pinned-key-refused');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await eventually(() => detail().getByRole('alert').textContent()).toMatch(/not the one pinned when impostor was launched .*; the connection was refused/);
    expect(await detail().getByRole('status').textContent()).toContain('This host’s key has changed; the app will not connect.');
    expect(await detail().locator('.badge').textContent()).toBe('Failed');
  });
});
