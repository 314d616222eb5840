/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { writeSshAlias } from '../fixtures/ssh-worker-access.ts';
import { useSshd } from '../fixtures/server-hooks.ts';
import { screenshot, startWorkbenchWithOwnSsh, useWorkbenchInChromium } from './browser-workbench.ts';

const run = promisify(execFile);

const sshd = useSshd();
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-ssh-'));
  // The app reads its own ssh_config first (`test-box` is the fixture's sshd), never the machine's.
  await writeSshAlias(dataDir, sshd, 'test-box');
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({
  start: () => startWorkbenchWithOwnSsh(dataDir),
  page: { viewport: { width: 1400, height: 950 } },
  prepare: (context, started) => context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: started.origin }),
});
beforeAll(() => page.goto(`${workbench.origin}/#/workers`));

const detail = () => page.locator('article.worker-detail');
const activePane = () => page.locator('.terminal-pane:not([hidden])');

/** What an xterm pane shows (its DOM renderer's rows), spaces normalised. */
async function screenText(pane: Locator): Promise<string> {
  const rows = await pane.locator('.xterm-rows > div').allTextContents();
  return rows.map((r) => r.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
}

async function typeInTerminal(text: string): Promise<void> {
  await activePane().locator('.xterm').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

async function openContextMenu(): Promise<Locator> {
  await activePane().locator('.xterm-screen').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Terminal' });
  await menu.waitFor();
  return menu;
}

/** sshd's per-connection processes (`sshd: root@notty` ...), descendants of our own sshd only. */
async function sshdSessions(): Promise<number[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid=,args=']);
  const rows = stdout.trim().split('\n').map((line) => {
    const [pid, ppid, ...args] = line.trim().split(/\s+/);
    return { pid: Number(pid), ppid: Number(ppid), args: args.join(' ') };
  });
  const ours = new Set([sshd.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) if (ours.has(row.ppid) && !ours.has(row.pid)) grew = Boolean(ours.add(row.pid));
  }
  return rows.filter((r) => ours.has(r.pid) && /^sshd: \S+@/.test(r.args)).map((r) => r.pid);
}

/** The fingerprint `ssh-keygen -l` gives for a public key file. */
async function fingerprintOf(pubFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]);
  return stdout.trim().split(/\s+/)[1]!;
}

describe('SSH workers in the UI', () => {
  it('adds an SSH host by its ssh_config alias, with field errors for what is wrong', async () => {
    await eventually(() => page.locator('.worker-list').textContent()).toContain('This computer');
    await page.getByRole('button', { name: 'Add SSH host…' }).click();
    const form = page.getByRole('form', { name: 'Add SSH host' });
    // Checked in the page: a host with a space, a port out of range.
    await form.getByLabel('Host or ssh_config alias').fill('test box');
    await form.getByLabel('Port').fill('70000');
    await form.getByRole('button', { name: 'Add host' }).click();
    await eventually(() => form.locator('.field-error').allTextContents()).toEqual(['a host name, address or ssh_config alias', 'a port number from 1 to 65535']);
    expect(await form.getByLabel('Host or ssh_config alias').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'workers-add-form-errors');

    await form.getByLabel('Host or ssh_config alias').fill('test-box');
    await form.getByLabel('Port').fill('');
    expect(await form.getByLabel('Name').inputValue()).toBe('test-box');
    await form.getByRole('button', { name: 'Add host' }).click();
    await eventually(() => detail().locator('h2').textContent()).toContain('test-box');
    expect(await detail().locator('.badge').textContent()).toBe('Disconnected');
    expect(await page.locator('.worker-list').textContent()).toContain('test-box');

    // The core's BAD_INPUT (a name already taken) lands beside the Name field.
    await page.getByRole('button', { name: 'Add SSH host…' }).click();
    await form.getByLabel('Host or ssh_config alias').fill('test-box');
    await form.getByRole('button', { name: 'Add host' }).click();
    await eventually(() => form.locator('.field-error').allTextContents()).toEqual([expect.stringContaining('already a worker named "test-box"')]);
    await form.getByRole('button', { name: 'Cancel' }).click();
  });

  it('asks about the host key on first contact, with the exact fingerprint, and connects once trusted', async () => {
    await detail().getByRole('button', { name: 'Connect' }).click();
    const dialog = page.getByRole('dialog', { name: /Trust the host key of test-box/ });
    await dialog.waitFor();
    expect(await dialog.getByTestId('host-key-fingerprint').textContent()).toBe(sshd.hostKeyFingerprint);
    expect(await dialog.getByTestId('host-key-type').textContent()).toBe('ssh-ed25519');
    expect(await dialog.textContent()).toContain(`127.0.0.1:${sshd.port}`);
    // Cancel has the focus: Enter alone never trusts a key.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await screenshot(page, 'workers-host-key-dialog');
    await dialog.getByRole('button', { name: 'Trust and connect' }).click();
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 20_000 }).toBe('Connected');
    await eventually(() => page.locator('.worker-list a[aria-current="true"] .badge').textContent()).toBe('Connected');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toContain(sshd.hostPublicKey.split(' ')[1]);
  });

  it('runs commands in a terminal tab, copies and pastes', async () => {
    await detail().getByRole('button', { name: 'Open a terminal' }).click();
    await eventually(() => page.getByRole('tab').count()).toBe(1);
    // The prompt has arrived when the screen has text.
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/\S/);
    await typeInTerminal('echo workbench-$((6*7))');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/^workbench-42$/m);
    await screenshot(page, 'workers-terminal');

    // Select all from the context menu, then Ctrl+Shift+C copies it.
    await (await openContextMenu()).getByRole('menuitem', { name: /Select all/ }).click();
    await page.keyboard.press('Control+Shift+C');
    await eventually(() => page.evaluate(() => navigator.clipboard.readText())).toContain('workbench-42');

    // Paste from the context menu types the clipboard into the shell.
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((2+3))'));
    await (await openContextMenu()).getByRole('menuitem', { name: /Paste/ }).click();
    // Reading the clipboard is asynchronous: Enter only once the text is on the command line.
    await eventually(() => screenText(activePane())).toMatch(/# echo pasted-\$\(\(2\+3\)\)$/m);
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/^pasted-5$/m);
  });

  it('tells the shell its size and follows the window', async () => {
    // Each probe prints a marker of its own, so an older answer on the screen is never read.
    let probe = 0;
    const shellSize = async () => {
      const marker = `size${++probe}`;
      await typeInTerminal(`echo ${marker}=$(stty size | tr " " x)`);
      const pattern = new RegExp(`^${marker}=(\\d+x\\d+)$`, 'm');
      await eventually(() => screenText(activePane())).toMatch(pattern);
      return pattern.exec(await screenText(activePane()))![1]!;
    };
    const before = await shellSize();
    const [rows, cols] = before.split('x').map(Number);
    expect(rows).toBeGreaterThan(10);
    expect(cols).toBeGreaterThan(40);
    await page.setViewportSize({ width: 1100, height: 800 });
    // Resizing is asynchronous (observer -> frame -> call): ask until the shell sees the new size.
    let after = before;
    for (let attempt = 0; attempt < 20 && after === before; attempt++) after = await shellSize();
    expect(after).not.toBe(before);
    await page.setViewportSize({ width: 1400, height: 950 });
  });

  it('opens a second tab and keeps each tab’s screen', async () => {
    await page.getByRole('button', { name: 'New terminal' }).click();
    await eventually(() => page.getByRole('tab').count()).toBe(2);
    expect(await page.getByRole('tab', { name: 'Shell 2' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/\S/);
    await typeInTerminal('echo second-$((1+1))');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/^second-2$/m);
    await screenshot(page, 'workers-terminal-two-tabs');

    // Back to the first tab by keyboard (arrow keys in the tab list): its screen is as it was.
    await page.getByRole('tab', { name: 'Shell 2' }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Shell 1' }).getAttribute('aria-selected')).toBe('true');
    expect(await screenText(activePane())).toMatch(/^size\d+=\d+x\d+$/m);

    // Tabs survive a trip to another view.
    await page.getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByRole('link', { name: 'Workers', exact: true }).click();
    await eventually(() => page.getByRole('tab').count()).toBe(2);
    expect(await screenText(activePane())).toMatch(/^size\d+=\d+x\d+$/m);
  });

  it('follows the light/dark theme', async () => {
    const background = () => activePane().locator('.xterm-rows').evaluate((el) => getComputedStyle(el).color);
    const light = await background();
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Dark').check();
    await page.getByRole('link', { name: 'Workers', exact: true }).click();
    await eventually(background).not.toBe(light);
    await screenshot(page, 'workers-terminal-dark');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await page.getByLabel('Light').check();
    await page.getByRole('link', { name: 'Workers', exact: true }).click();
    await eventually(background).toBe(light);
  });

  it('closes a tab', async () => {
    await page.getByRole('button', { name: 'Close Shell 2' }).click();
    await eventually(() => page.getByRole('tab').count()).toBe(1);
  });
});

describe('Files on an SSH worker', () => {
  const created = `my "quoted" folder's name`;
  const renamed = `renamed "it's" folder`;
  const table = () => page.getByRole('table', { name: /^Files in / });
  const row = (name: string) => table().locator(`tr[data-name="${name.replace(/["\\]/g, '\\$&')}"]`);

  it('lists the fixture’s folder, folders first, sortable', async () => {
    await page.getByRole('link', { name: 'Files', exact: true }).click();
    await eventually(() => page.getByLabel('Worker', { exact: true }).locator('option:checked').textContent()).toBe('test-box');
    await expect.poll(() => table().count(), { timeout: 20_000 }).toBe(1);
    await page.getByLabel('Path', { exact: true }).fill(sshd.dir);
    await page.getByLabel('Path', { exact: true }).press('Enter');
    await eventually(() => table().getAttribute('aria-label')).toBe(`Files in ${sshd.dir}`);
    await eventually(() => row('sshd_config').count()).toBe(1);
    expect(await row('authorized_keys').count()).toBe(1);
    // The breadcrumb ends in the folder's own name.
    expect(await page.locator('.breadcrumb [aria-current="location"]').textContent()).toBe(sshd.dir.split('/').at(-1));

    await table().getByRole('button', { name: 'Size', exact: true }).click();
    expect(await table().getByRole('columnheader', { name: 'Size' }).getAttribute('aria-sort')).toBe('ascending');
    const sizes = await table().locator('tbody tr[data-type="file"] td:nth-child(2)').allTextContents();
    expect(sizes.length).toBeGreaterThan(2);
    await table().getByRole('button', { name: 'Name', exact: true }).click();
  });

  it('creates, renames and deletes a folder with spaces and quotes in its name', async () => {
    await page.getByRole('button', { name: 'New folder…' }).click();
    await page.getByLabel('New folder name').fill(created);
    await page.getByLabel('New folder name').press('Enter');
    await eventually(() => row(created).count()).toBe(1);
    expect(await row(created).getAttribute('data-type')).toBe('directory');
    expect((await stat(join(sshd.dir, created))).isDirectory()).toBe(true);
    // Folders come first.
    expect(await table().locator('tbody tr').first().getAttribute('data-name')).toBe(created);
    await screenshot(page, 'files-created-folder');

    await page.getByRole('button', { name: `Rename ${created}` }).click();
    const field = page.getByLabel(`New name for ${created}`);
    await field.fill(renamed);
    await field.press('Enter');
    await eventually(() => row(renamed).count()).toBe(1);
    expect(await row(created).count()).toBe(0);
    expect((await stat(join(sshd.dir, renamed))).isDirectory()).toBe(true);
    await expect(stat(join(sshd.dir, created))).rejects.toThrow();

    await page.getByRole('button', { name: `Delete ${renamed}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete “${renamed}”?` });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(join(sshd.dir, renamed));
    expect(await dialog.textContent()).toContain('everything in it');
    await screenshot(page, 'files-delete-confirm');
    await dialog.getByRole('button', { name: 'Delete folder' }).click();
    await eventually(() => row(renamed).count()).toBe(0);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await expect(stat(join(sshd.dir, renamed))).rejects.toThrow();
    await screenshot(page, 'files-listing');
  });

  it('opens a folder by double-click and goes back up by breadcrumb', async () => {
    await page.getByRole('button', { name: 'New folder…' }).click();
    await page.getByLabel('New folder name').fill('inner');
    await page.getByRole('button', { name: 'Create' }).click();
    await eventually(() => row('inner').count()).toBe(1);
    await row('inner').dblclick();
    await eventually(() => table().getAttribute('aria-label')).toBe(`Files in ${join(sshd.dir, 'inner')}`);
    expect(await table().textContent()).toContain('This folder is empty.');
    await page.locator('.breadcrumb').getByRole('button', { name: sshd.dir.split('/').at(-1) }).click();
    await eventually(() => table().getAttribute('aria-label')).toBe(`Files in ${sshd.dir}`);
  });

  it('renames and deletes from the keyboard (F2, Delete; Escape cancels)', async () => {
    await row('inner').focus();
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete “inner”?' });
    await dialog.waitFor();
    // Cancel has the focus, and Escape cancels too: nothing is deleted by a stray key.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Escape');
    await eventually(() => page.getByRole('dialog').count()).toBe(0);
    expect((await stat(join(sshd.dir, 'inner'))).isDirectory()).toBe(true);

    await row('inner').focus();
    await page.keyboard.press('F2');
    await page.getByLabel('New name for inner').fill('inner two');
    await page.keyboard.press('Enter');
    await eventually(() => row('inner two').count()).toBe(1);
    await row('inner two').focus();
    await page.keyboard.press('Delete');
    await page.getByRole('dialog', { name: 'Delete “inner two”?' }).getByRole('button', { name: 'Delete folder' }).click();
    await eventually(() => row('inner two').count()).toBe(0);
    await expect(stat(join(sshd.dir, 'inner two'))).rejects.toThrow();
  });

  it('says clearly when a path does not exist, and stays where it was', async () => {
    const missing = join(sshd.dir, 'no such folder');
    await page.getByLabel('Path', { exact: true }).fill(missing);
    await page.getByLabel('Path', { exact: true }).press('Enter');
    await eventually(() => page.locator('.file-browser [role=alert]').textContent()).toContain(`${missing} does not exist`);
    expect(await table().getAttribute('aria-label')).toBe(`Files in ${sshd.dir}`);
    await screenshot(page, 'files-missing-path');
  });
});

describe('a dropped connection', () => {
  it('keeps the tab’s screen, shows the reconnect notice and goes on in a new shell', async () => {
    await page.getByRole('link', { name: 'Workers', exact: true }).click();
    await eventually(() => page.getByRole('tab').count()).toBe(1);
    await typeInTerminal('echo before-drop-$((3*3))');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/^before-drop-9$/m);
    const sessions = await sshdSessions();
    expect(sessions.length).toBeGreaterThan(0);
    // The network "drops": sshd's side of the connection dies, the listener stays.
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    await expect.poll(() => screenText(activePane()), { timeout: 30_000 }).toContain('[reconnected: this is a new shell]');
    expect(await screenText(activePane())).toMatch(/^before-drop-9$/m);
    expect(await screenText(activePane())).toContain('[connection lost; reconnecting…]');
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 30_000 }).toBe('Connected');
    await typeInTerminal('echo after-drop-$((4*4))');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/^after-drop-16$/m);
    await screenshot(page, 'workers-terminal-reconnected');
  });
});

describe('a host whose key changed', () => {
  it('warns loudly, shows both fingerprints and offers no way to accept', async () => {
    // Make the app's record say the host had another key (the client key stands in for it).
    const knownHosts = join(dataDir, 'known_hosts');
    const original = await readFile(knownHosts, 'utf8');
    const otherKey = (await readFile(`${sshd.privateKeyPath}.pub`, 'utf8')).split(/\s+/)[1]!;
    await writeFile(knownHosts, original.replace(sshd.hostPublicKey.split(' ')[1]!, otherKey));
    const previous = await fingerprintOf(`${sshd.privateKeyPath}.pub`);

    await page.getByRole('link', { name: 'Workers', exact: true }).click();
    await detail().getByRole('button', { name: 'Disconnect' }).click();
    await eventually(() => detail().locator('.badge').textContent()).toBe('Disconnected');
    // The tab stays, with what it showed.
    expect(await page.getByRole('tab').count()).toBe(1);
    await detail().getByRole('button', { name: 'Connect' }).click();
    const dialog = page.getByRole('alertdialog', { name: /host key of test-box has changed/ });
    await dialog.waitFor();
    expect(await dialog.getByTestId('host-key-fingerprint').textContent()).toBe(sshd.hostKeyFingerprint);
    expect(await dialog.getByTestId('host-key-previous').textContent()).toBe(previous);
    expect(await dialog.getByRole('button').allTextContents()).toEqual(['Close']);
    await screenshot(page, 'workers-host-key-changed');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect(await detail().locator('.badge').textContent()).not.toBe('Connected');

    // Disconnecting ended the tab's shell; its screen stays.
    expect(await screenText(activePane())).toContain('[disconnected]');
    expect(await screenText(activePane())).toMatch(/^after-drop-16$/m);

    await writeFile(knownHosts, original);
    await detail().getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => detail().locator('.badge').textContent(), { timeout: 20_000 }).toBe('Connected');
    // Connected again: no key warning is left, and the tab can start a new shell.
    await eventually(() => detail().locator('.banner').count()).toBe(0);
    await page.getByRole('button', { name: 'Restart shell' }).click();
    await typeInTerminal('echo restarted-$((5*5))');
    await expect.poll(() => screenText(activePane()), { timeout: 20_000 }).toMatch(/^restarted-25$/m);
    await screenshot(page, 'workers-view');
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
