/// <reference lib="dom" />
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useSshd } from '../fixtures/server-hooks.ts';
import { grantSshAccess } from '../fixtures/ssh-worker-access.ts';
import { screenshot, startWorkbenchWithOwnSsh, useWorkbenchInChromium } from './browser-workbench.ts';

/**
 * Uploads and downloads in the Files view, in Chromium against the browser workbench and a real
 * sshd (which runs as this user, so "the worker's" files are checked on disk).
 */

const sshd = useSshd();
let dataDir: string;
let local: string;
let remote: string;

// Over 1 MiB, so the built app hashes it on its hasher thread (out/main/sha256-thread.js).
const report = randomBytes(2 * 1024 * 1024);
const inner = Buffer.from('inside a folder\n');

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-transfers-'));
  // Trusted already: this test is about files, not the host-key question.
  await grantSshAccess(dataDir, sshd, 'test-box');
  local = join(dataDir, 'on this computer');
  await mkdir(join(local, 'data dir'), { recursive: true });
  await writeFile(join(local, `report "1".csv`), report);
  await writeFile(join(local, 'data dir', 'inner.txt'), inner);
  remote = join(sshd.dir, 'uploads here');
  await mkdir(remote);
  await writeFile(join(remote, 'from the worker.txt'), 'made on the worker\n');
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startWorkbenchWithOwnSsh(dataDir), page: { viewport: { width: 1400, height: 950 } } });
beforeAll(() => page.goto(`${workbench.origin}/#/workers`));

const table = () => page.getByRole('table', { name: /^Files in / });
const row = (name: string) => table().locator(`tr[data-name="${name.replace(/["\\]/g, '\\$&')}"]`);
const queue = () => page.getByRole('list', { name: 'Transfer queue' });
const doneItems = () => queue().locator('li.transfer-item[data-state="done"]').count();

/** Opens the picker with `open`, sees it where it was last (`local`), and uploads the report from there. */
async function uploadReportAgain(open: () => Promise<void>): Promise<void> {
  await open();
  const picker = page.getByRole('dialog', { name: 'Choose files and folders on this computer' });
  await eventually(() => picker.getByRole('list').getAttribute('aria-label')).toBe(`Files in ${local} on this computer`);
  await picker.getByLabel(`Select report "1".csv`).check();
  await picker.getByRole('button', { name: 'Upload to test-box (1)' }).click();
}

describe('file transfers in the Files view', () => {
  it('connects the worker and opens a folder on it', async () => {
    await page.getByRole('button', { name: 'Add SSH host…' }).click();
    const form = page.getByRole('form', { name: 'Add SSH host' });
    await form.getByLabel('Host or ssh_config alias').fill('test-box');
    await form.getByRole('button', { name: 'Add host' }).click();
    const detail = page.locator('article.worker-detail');
    await detail.getByRole('button', { name: 'Connect' }).click();
    await eventually(() => detail.locator('.badge').textContent()).toBe('Connected');

    await page.getByRole('link', { name: 'Files', exact: true }).click();
    await eventually(() => table().count()).toBe(1);
    await page.getByLabel('Path', { exact: true }).fill(remote);
    await page.getByLabel('Path', { exact: true }).press('Enter');
    await eventually(() => table().getAttribute('aria-label')).toBe(`Files in ${remote}`);
    // No transfers yet: no queue.
    expect(await queue().count()).toBe(0);
  });

  it('uploads a file and a folder chosen with the picker; the queue shows them done and the listing has them', async () => {
    await page.getByRole('button', { name: 'Upload…' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose files and folders on this computer' });
    await picker.waitFor();
    await picker.getByLabel('Folder on this computer').fill(local);
    await picker.getByLabel('Folder on this computer').press('Enter');
    await eventually(() => picker.getByRole('list').getAttribute('aria-label')).toBe(`Files in ${local} on this computer`);
    await picker.getByLabel(`Select report "1".csv`).check();
    await picker.getByLabel('Select data dir').check();
    await screenshot(page, 'files-upload-picker');
    await picker.getByRole('button', { name: 'Upload to test-box (2)' }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);

    await eventually(doneItems).toBe(2);
    await eventually(() => row(`report "1".csv`).count()).toBe(1);
    expect(await row('data dir').getAttribute('data-type')).toBe('directory');
    expect((await readFile(join(remote, `report "1".csv`))).equals(report)).toBe(true);
    expect((await readFile(join(remote, 'data dir', 'inner.txt'))).equals(inner)).toBe(true);
    expect(await queue().getByRole('listitem', { name: `Upload report "1".csv` }).textContent()).toContain('verified');
  });

  it('the picker shows the first 5,000 entries of a huge folder and says how many there are', async () => {
    const many = join(local, 'many files');
    await mkdir(many);
    for (let i = 0; i < 5050; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, 5050 - i) }, (_, j) => writeFile(join(many, `part-${String(i + j).padStart(4, '0')}.csv`), 'x')));
    }
    await page.getByRole('button', { name: 'Upload…' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose files and folders on this computer' });
    await picker.getByLabel('Folder on this computer').fill(many);
    await picker.getByLabel('Folder on this computer').press('Enter');
    await eventually(() => picker.getByRole('status').textContent()).toMatch(/^Showing the first 5,000 of 5,050 entries \(folders first, by name\)/);
    const entries = picker.getByRole('list', { name: `Files in ${many} on this computer` }).getByRole('listitem');
    expect(await entries.count()).toBe(5000);
    expect(await entries.first().getAttribute('data-name')).toBe('part-0000.csv');
    expect(await entries.last().getAttribute('data-name')).toBe('part-4999.csv');
    await screenshot(page, 'files-upload-picker-huge-folder');
    // Back up, so that the next picker opens where the other tests expect it.
    await picker.getByRole('button', { name: 'Up one folder' }).click();
    await eventually(() => picker.getByRole('list').getAttribute('aria-label')).toBe(`Files in ${local} on this computer`);
    expect(await picker.getByRole('status').count()).toBe(0);
    await page.keyboard.press('Escape');
    await eventually(() => page.getByRole('dialog').count()).toBe(0);
    await rm(many, { recursive: true });
  });

  it('downloads the entries selected with Ctrl+click into the downloads folder (Ctrl+D)', async () => {
    await row('from the worker.txt').click();
    await row('data dir').click({ modifiers: ['Control'] });
    expect(await table().locator('tr[aria-selected="true"]').count()).toBe(2);
    expect(await page.getByRole('button', { name: 'Download (2)' }).getAttribute('title')).toMatch(/\(Ctrl\+D\)$/);
    await page.keyboard.press('Control+d');
    await eventually(doneItems).toBe(4);
    const downloads = join(dataDir, 'downloads');
    expect(await readFile(join(downloads, 'from the worker.txt'), 'utf8')).toBe('made on the worker\n');
    expect((await readFile(join(downloads, 'data dir', 'inner.txt'))).equals(inner)).toBe(true);
    expect(await queue().getByRole('listitem', { name: 'Download from the worker.txt' }).textContent()).toContain(join(downloads, 'from the worker.txt'));
  });

  it('lists its shortcuts with the others when ? is pressed; Escape closes the list', async () => {
    await row('from the worker.txt').click();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    const files = help.getByRole('region', { name: 'Files' });
    const rows = await files.locator('.shortcut').evaluateAll((items) => items.map((item) => [item.querySelector('dt')?.textContent, item.querySelector('dd')?.textContent]));
    expect(rows).toEqual(expect.arrayContaining([['Ctrl+U', 'Upload files or folders from this computer'], ['Ctrl+D', 'Download the selection into the downloads folder']]));
    await screenshot(page, 'keyboard-help');
    await page.keyboard.press('Escape');
    await eventually(() => help.count()).toBe(0);
  });

  it('asks what to do when the file exists; Rename keeps both', async () => {
    await uploadReportAgain(() => page.getByRole('button', { name: 'Upload…' }).click());

    const question = page.getByRole('dialog', { name: 'This file already exists' });
    await question.waitFor();
    expect(await question.textContent()).toContain(join(remote, `report "1".csv`));
    // Skip has the focus: a stray Enter replaces nothing.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip');
    await screenshot(page, 'files-transfer-conflict');
    await question.getByRole('button', { name: 'Rename' }).click();
    await eventually(doneItems).toBe(5);
    await eventually(() => row(`report "1" (1).csv`).count()).toBe(1);
    expect((await readFile(join(remote, `report "1" (1).csv`))).equals(report)).toBe(true);
    await screenshot(page, 'files-transfers');
  });

  it('cancels a transfer from its conflict question (the picker opened with Ctrl+U)', async () => {
    await row('from the worker.txt').click();
    await uploadReportAgain(() => page.keyboard.press('Control+u'));
    const question = page.getByRole('dialog', { name: 'This file already exists' });
    await question.waitFor();
    await question.getByRole('button', { name: 'Cancel transfer' }).click();
    await eventually(() => question.count()).toBe(0);
    await eventually(() => queue().locator('li.transfer-item[data-state="cancelled"]').count()).toBe(1);
    expect(await queue().locator('li.transfer-item[data-state="cancelled"]').getByRole('button', { name: /^Retry / }).count()).toBe(1);
  });

  it('uploads files dropped on the listing (staged by the browser workbench, which cannot know their paths)', async () => {
    const dataTransfer = await page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['dropped one\n'], 'dropped one.txt'));
      transfer.items.add(new File([new Uint8Array([0, 255, 10, 13])], `-dropped "two".bin`));
      return transfer;
    });
    await page.dispatchEvent('.drop-zone', 'dragover', { dataTransfer });
    await eventually(() => page.locator('.drop-hint').textContent()).toBe(`Drop to upload into ${remote}`);
    await page.dispatchEvent('.drop-zone', 'drop', { dataTransfer });
    expect(await page.locator('.drop-hint').count()).toBe(0);
    await eventually(doneItems).toBe(7);
    await eventually(() => row('dropped one.txt').count()).toBe(1);
    expect(await readFile(join(remote, 'dropped one.txt'), 'utf8')).toBe('dropped one\n');
    expect([...(await readFile(join(remote, `-dropped "two".bin`)))]).toEqual([0, 255, 10, 13]);
    // The staged copies go once their upload is done.
    await eventually(() => readdir(join(dataDir, 'staging')).catch(() => [])).toEqual([]);
  });

  it('clears finished transfers', async () => {
    await screenshot(page, 'files-transfer-queue');
    await page.getByRole('button', { name: 'Clear finished' }).click();
    await eventually(() => queue().count()).toBe(0);
  });

  it('shows names holding escape sequences or bidi overrides escaped, on the worker and in the picker', async () => {
    const names = ['\x1b[31mred.txt', 'invoice\u202Efdp.sh'];
    const shown = ['\\x1b[31mred.txt', 'invoice\\u{202E}fdp.sh'];
    const tricky = join(sshd.dir, 'tricky names');
    const trickyHere = join(dataDir, 'tricky names here');
    for (const dir of [tricky, trickyHere]) {
      await mkdir(dir);
      for (const name of names) await writeFile(join(dir, name), 'x');
    }
    await page.getByLabel('Path', { exact: true }).fill(tricky);
    await page.getByLabel('Path', { exact: true }).press('Enter');
    await eventually(() => table().locator('.file-name').allTextContents()).toEqual(expect.arrayContaining(shown));
    for (const raw of ['\x1b', '\u202E']) expect(await table().textContent()).not.toContain(raw);
    expect(await table().getByRole('button', { name: `Rename ${shown[1]}` }).count()).toBe(1);

    await page.getByRole('button', { name: 'Upload…' }).click();
    const picker = page.getByRole('dialog', { name: 'Choose files and folders on this computer' });
    // The picker fills in its start folder once that is listed; type only after it has.
    await eventually(() => picker.getByRole('list').getAttribute('aria-label')).toMatch(/^Files in .+ on this computer$/);
    await picker.getByLabel('Folder on this computer').fill(trickyHere);
    await picker.getByLabel('Folder on this computer').press('Enter');
    await eventually(() => picker.getByRole('list').getAttribute('aria-label')).toBe(`Files in ${trickyHere} on this computer`);
    expect((await picker.getByRole('listitem').allTextContents()).map((t) => t.trim())).toEqual(expect.arrayContaining(shown.map((n) => expect.stringContaining(n))));
    for (const raw of ['\x1b', '\u202E']) expect(await picker.getByRole('list').textContent()).not.toContain(raw);
    await picker.getByRole('button', { name: 'Cancel' }).click();
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
