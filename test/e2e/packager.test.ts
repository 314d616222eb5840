/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAR_END, tarEntry, writeTarBytes } from '../fixtures/hostile-tar.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

let root: string;
let jobDir: string;
const { workbench, page, problems } = useWorkbenchInChromium({ page: { viewport: { width: 1400, height: 1100 } } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-pack-'));
  jobDir = join(root, 'weekly-report');
  await mkdir(join(jobDir, 'lib'), { recursive: true });
  await mkdir(join(jobDir, 'node_modules', 'left-pad'), { recursive: true });
  await writeFile(join(jobDir, 'node_modules', 'left-pad', 'index.js'), 'module.exports = 1;\n');
  await writeFile(join(jobDir, 'report.py'), 'import os\nos.makedirs("output", exist_ok=True)\nopen("output/report.txt", "w").write("weekly report\\n")\nprint("report written")\n');
  await writeFile(join(jobDir, 'lib', 'helpers.py'), 'X = 1\n'.repeat(200));
  await writeFile(join(jobDir, 'big-input.csv'), 'a,b\n'.repeat(50_000));
  await writeFile(join(jobDir, 'settings.env'), 'AWS_SECRET_ACCESS_KEY=abc\n');
  await writeFile(join(jobDir, 'notes.txt'), 'example key id for the docs: AKIAIOSFODNN7EXAMPLE\n');
  await chmod(join(jobDir, 'report.py'), 0o644);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const totals = () => page.getByTestId('package-totals').textContent();

describe('packaging a job from the UI', () => {
  it('opens a folder, applies rules live, blocks on secrets, builds and shows the SHA-256', async () => {
    // The Package view sits between Schedules and Results, with its shortcut in nav order.
    const nav = await page.locator('.sidebar a').allTextContents();
    const at = nav.findIndex((t) => t.includes('Package'));
    expect(nav[at - 1]).toContain('Schedules');
    expect(nav[at + 1]).toContain('Results');
    await page.keyboard.press(`Control+${at + 1}`);
    await expect.poll(() => page.getByRole('heading', { name: 'Package a job folder' }).count()).toBe(1);

    await page.getByLabel('Folder to package').fill(jobDir);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await expect.poll(totals).toMatch(/^5 files, /);
    // node_modules is ignored by default and shown as such.
    expect(await page.getByRole('treeitem').filter({ hasText: 'node_modules' }).textContent()).toContain('ignored: default rule (node_modules/)');

    // Unchecking the big CSV changes the totals at once.
    const before = await totals();
    await page.getByLabel('Include big-input.csv').uncheck();
    await expect.poll(totals).toMatch(/^4 files, /);
    expect(await totals()).not.toBe(before);

    // Two likely secrets block the build until each is removed or overridden.
    const secrets = page.getByRole('list', { name: 'Likely secrets' });
    await expect.poll(() => secrets.locator('li').count()).toBe(2);
    expect(await secrets.textContent()).toContain('settings.env:1 holds a secret in an env file (AWS_SECRET_ACCESS_KEY)');
    expect(await page.getByRole('button', { name: 'Build tarball' }).isDisabled()).toBe(true);
    await secrets.locator('li', { hasText: 'settings.env' }).getByRole('button', { name: 'Remove from package' }).click();
    await expect.poll(totals).toMatch(/^3 files, /);
    await secrets.locator('li', { hasText: 'notes.txt' }).getByRole('button', { name: 'Keep it (override)' }).click();
    expect(await secrets.textContent()).toContain('(kept: you overrode it)');

    // Generate run.sh: a command, with a setup line.
    await page.getByLabel('Generate: a command').check();
    await page.getByLabel('Setup lines (run first, e.g. package installs)').fill('echo setting up');
    await page.getByLabel('Command (words separated by spaces)').fill('python3 report.py');
    await page.getByText('Preview run.sh').click();
    await expect.poll(() => page.getByLabel('run.sh preview').textContent()).toContain('exec python3 report.py');

    await page.getByLabel('Save tarball as').fill(join(root, 'weekly-report.tar.gz'));
    await page.getByRole('button', { name: 'Build tarball' }).click();
    await expect.poll(() => page.getByTestId('build-result').textContent(), { timeout: 30_000 }).toMatch(/SHA-256 [0-9a-f]{64}/);
    const shown = /SHA-256 ([0-9a-f]{64})/.exec((await page.getByTestId('build-result').textContent())!)![1];
    expect(shown).toBe(execFileSync('sha256sum', [join(root, 'weekly-report.tar.gz')], { encoding: 'utf8' }).split(' ')[0]);
    const names = execFileSync('tar', ['tzf', join(root, 'weekly-report.tar.gz')], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toEqual(['lib/', 'lib/helpers.py', 'notes.txt', 'report.py', 'run.sh', 'workbench.json']);
    await screenshot(page, 'packager-built');
  });

  it('inspects the tarball and test-runs it into the Jobs view', async () => {
    // The built tarball is filled in for inspection.
    expect(await page.getByLabel('Tarball', { exact: true }).inputValue()).toBe(join(root, 'weekly-report.tar.gz'));
    await page.getByRole('button', { name: 'Inspect' }).click();
    const inspection = page.getByTestId('inspection');
    await expect.poll(() => inspection.textContent()).toContain('Entry point: sh run.sh → output/');
    expect(await inspection.textContent()).toContain('notes.txt:1 holds an AWS access key id');
    await screenshot(page, 'packager-inspected');

    await page.getByRole('button', { name: 'Test run' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/jobs\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    const detail = page.locator('article.run-detail');
    await expect.poll(() => detail.locator('.badge').textContent(), { timeout: 30_000 }).toBe('Succeeded');
    await expect.poll(() => detail.locator('.run-log').getAttribute('open')).toBeNull();
    await detail.locator('.run-log > summary').click();
    await expect.poll(() => page.getByRole('log').textContent()).toContain('report written');
    expect(await detail.textContent()).toContain('test run of');
    await expect.poll(() => detail.textContent()).toContain('report.txt');
    await screenshot(page, 'packager-test-run');
  });

  it('flags a hostile tarball on inspection and refuses to test-run it', async () => {
    const hostile = join(root, 'hostile.tar');
    await mkdir(join(root, 'h'));
    await writeFile(join(root, 'h', 'run.sh'), 'echo hi\n');
    execFileSync('tar', ['cf', hostile, '-C', join(root, 'h'), 'run.sh', '--transform', 's,^run.sh,../escape.sh,', '-P']);
    await page.goto(`${workbench.origin}/#/package`);
    await page.getByLabel('Tarball', { exact: true }).fill(hostile);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => page.getByTestId('inspection').textContent()).toContain('Unsafe: ../escape.sh climbs out of the package (../)');
    await page.getByRole('button', { name: 'Test run' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby=inspect-heading] [role=alert]').textContent()).toMatch(/Refused to run hostile\.tar/);
    await screenshot(page, 'packager-hostile');
  });

  it('lists a tarball holding run.sh twice and a bidi-spoofed name: escaped names, both copies, refused', async () => {
    const tricky = join(root, 'tricky.tar.gz');
    await writeTarBytes(tricky, [
      tarEntry({ name: 'run.sh', mode: 0o755 }, 'echo first\n'),
      tarEntry({ name: 'run.sh', mode: 0o755 }, 'echo second\n'),
      tarEntry({ name: 'invoice\u202Efdp.sh' }, 'x'),
      TAR_END,
    ]);
    await page.goto(`${workbench.origin}/#/package`);
    await page.getByLabel('Tarball', { exact: true }).fill(tricky);
    await page.getByRole('button', { name: 'Inspect' }).click();
    const inspection = page.getByTestId('inspection');
    await expect.poll(() => inspection.textContent()).toContain('Unsafe: run.sh is in the archive twice (the first is a file)');
    await inspection.getByText('3 entries').click();
    const rows = await inspection.locator('table.entries tr').allTextContents();
    expect(rows).toHaveLength(3);
    expect(rows.filter((r) => r.endsWith('run.sh'))).toHaveLength(2);
    expect(rows[2]).toContain('invoice\\u{202E}fdp.sh');
    expect(await inspection.textContent()).not.toContain('\u202E');
    await page.getByRole('button', { name: 'Test run' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby=inspect-heading] [role=alert]').textContent()).toMatch(/Refused to run tricky\.tar\.gz: run\.sh is in the archive twice/);
  });

  it('shows progress (bytes, files, time left) while packing a large folder, and cancels it', async () => {
    const large = join(root, 'large-job');
    await mkdir(large);
    await writeFile(join(large, 'run.sh'), 'echo hi\n');
    // Incompressible data: packing it takes seconds.
    execFileSync('sh', ['-c', 'head -c 150000000 /dev/urandom > "$1"', 'sh', join(large, 'blob.bin')]);
    page.setDefaultTimeout(15_000);
    await page.goto(`${workbench.origin}/#/package`);
    await page.getByLabel('Folder to package').fill(large);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await expect.poll(totals).toMatch(/^2 files, 143 MiB/);
    await page.getByLabel('Save tarball as').fill(join(root, 'large.tar.gz'));
    await page.getByRole('button', { name: 'Build tarball' }).click();
    // Three files: run.sh, blob.bin and the generated workbench.json.
    const bar = page.getByRole('progressbar', { name: 'Packing' });
    await expect.poll(() => bar.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.locator('.progress-bar-detail').textContent(), { timeout: 20_000 }).toMatch(/MiB of 143 MiB, \d of 3 files, about .* left/);
    await screenshot(page, 'packager-progress');
    await page.getByRole('button', { name: 'Cancel build' }).click();
    await expect.poll(() => page.locator('section[aria-labelledby=pack-heading] [role=alert]').textContent(), { timeout: 20_000 }).toBe('Packing was cancelled.');
    expect(execFileSync('ls', [root], { encoding: 'utf8' })).not.toMatch(/large\.tar\.gz/);
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
