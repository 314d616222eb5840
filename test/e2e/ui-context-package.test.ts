/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

let root: string;
let jobDir: string;
let tarball: string;
let firstSha: string;
const { workbench, page, problems } = useWorkbenchInChromium({ page: { viewport: { width: 1400, height: 1100 } } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-pack-context-'));
  jobDir = join(root, 'weekly-report');
  tarball = join(root, 'weekly-report.tar.gz');
  await mkdir(jobDir);
  await writeFile(join(jobDir, 'report.py'), 'import os\nos.makedirs("output", exist_ok=True)\nopen("output/report.txt", "w").write("weekly report\\n")\nprint("report written")\n');
  await writeFile(join(jobDir, 'scratch.csv'), 'a,b\n1,2\n');
  await page.goto(`${workbench.origin}/#/package`);
});
afterAll(() => rm(root, { recursive: true, force: true }));

const totals = () => page.getByTestId('package-totals').textContent();
const sha256 = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
const shownSha = async () => /SHA-256 ([0-9a-f]{64})/.exec((await page.getByTestId('build-result').textContent())!)![1];

async function openFolder(path: string): Promise<void> {
  await page.getByLabel('Folder to package').fill(path);
  await page.getByRole('button', { name: 'Open folder' }).click();
  await expect.poll(totals).toMatch(/^\d+ files?, /);
}

describe('the Package view keeps its context', () => {
  it('names the package after its folder, builds, and after a Test run shows folder, settings, build and run as they were', async () => {
    await openFolder(jobDir);
    expect(await page.getByLabel('Package name').inputValue()).toBe('weekly-report');
    await page.getByLabel('Include scratch.csv').uncheck();
    await expect.poll(totals).toMatch(/^1 file, /);
    await page.getByLabel('Generate: a command').check();
    await page.getByLabel('Command (words separated by spaces)').fill('python3 report.py');
    await page.getByLabel('Save tarball as').fill(tarball);
    await page.getByRole('button', { name: 'Build tarball' }).click();
    await expect.poll(() => page.getByTestId('build-result').textContent(), { timeout: 30_000 }).toMatch(/SHA-256 [0-9a-f]{64}/);
    firstSha = (await shownSha())!;
    expect(firstSha).toBe(sha256(tarball));
    expect(JSON.parse(execFileSync('tar', ['xzOf', tarball, 'workbench.json'], { encoding: 'utf8' })).name).toBe('weekly-report');

    await page.getByRole('button', { name: 'Test run' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/jobs\/\d{8}-\d{6}-[0-9a-f]{6}$/);
    const runId = page.url().split('/').pop()!;
    await expect.poll(() => page.locator('article.run-detail .badge').textContent(), { timeout: 30_000 }).toBe('Succeeded');
    // The Jobs form beside it shows the same job: this package, ready to run again.
    await expect.poll(() => page.getByLabel('Job', { exact: true }).inputValue()).toBe('package');
    expect(await page.getByLabel('Package file').inputValue()).toBe(tarball);
    await screenshot(page, 'ui-context-package-test-run');

    await page.getByRole('link', { name: 'Package' }).click();
    await expect.poll(() => page.getByLabel('Folder to package').inputValue()).toBe(jobDir);
    await expect.poll(totals).toMatch(/^1 file, /);
    expect(await page.getByLabel('Include scratch.csv').isChecked()).toBe(false);
    expect(await page.getByLabel('Generate: a command').isChecked()).toBe(true);
    expect(await page.getByLabel('Command (words separated by spaces)').inputValue()).toBe('python3 report.py');
    expect(await page.getByLabel('Save tarball as').inputValue()).toBe(tarball);
    expect(await shownSha()).toBe(firstSha);
    expect(await page.getByLabel('Tarball', { exact: true }).inputValue()).toBe(tarball);
    const lastRun = page.getByTestId('last-test-run');
    await expect.poll(() => lastRun.textContent()).toContain(runId);
    expect(await lastRun.textContent()).toContain('Succeeded');
    await screenshot(page, 'ui-context-package-back');
  });

  it('asks before replacing an existing tarball: Cancel keeps it, Replace builds again', async () => {
    const before = await stat(tarball);
    await page.getByRole('button', { name: 'Build tarball' }).click();
    const ask = page.getByRole('dialog', { name: 'Replace weekly-report.tar.gz?' });
    await expect.poll(() => ask.count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, 'ui-context-package-replace');
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => ask.count()).toBe(0);
    expect((await stat(tarball)).mtimeMs).toBe(before.mtimeMs);
    // What is there is still what the view says was built.
    expect(await shownSha()).toBe(firstSha);
    expect(await page.locator('section[aria-labelledby=pack-heading] [role=alert]').count()).toBe(0);

    await page.getByRole('button', { name: 'Build tarball' }).click();
    await expect.poll(() => ask.count(), { timeout: 30_000 }).toBe(1);
    await ask.getByRole('button', { name: 'Replace it' }).click();
    await expect.poll(() => page.getByTestId('build-result').textContent(), { timeout: 30_000 }).toMatch(/SHA-256 [0-9a-f]{64}/);
    expect((await stat(tarball)).mtimeMs).not.toBe(before.mtimeMs);
    expect(await shownSha()).toBe(firstSha);
  });

  it('keeps the package name, rules and entry point when its folder is renamed: the same package, the same SHA-256', async () => {
    const renamed = join(root, 'weekly-report-2026');
    await rename(jobDir, renamed);
    await openFolder(renamed);
    expect(await page.getByLabel('Package name').inputValue()).toBe('weekly-report');
    expect(await page.getByLabel('Include scratch.csv').isChecked()).toBe(false);
    expect(await page.getByLabel('Generate: a command').isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Build tarball' }).click();
    await page.getByRole('dialog', { name: 'Replace weekly-report.tar.gz?' }).getByRole('button', { name: 'Replace it' }).click();
    await expect.poll(() => page.getByTestId('build-result').textContent(), { timeout: 30_000 }).toContain(firstSha);
    expect(sha256(tarball)).toBe(firstSha);

    // Another folder is another package: named after itself.
    const other = join(root, 'other-job');
    await mkdir(other);
    await writeFile(join(other, 'run.sh'), 'echo other\n');
    await openFolder(other);
    expect(await page.getByLabel('Package name').inputValue()).toBe('other-job');
    expect(await page.getByLabel('The folder’s own run.sh').isChecked()).toBe(true);
  });

  it('has the generated map/reduce run.sh read DATA_DIR unless a folder is given', async () => {
    await openFolder(join(root, 'weekly-report-2026'));
    await page.getByLabel('Generate: a map/reduce job').check();
    const fromEnv = page.getByLabel('From DATA_DIR (the run’s data)');
    expect(await fromEnv.isChecked()).toBe(true);
    await page.getByText('Preview run.sh').click();
    const preview = page.getByLabel('run.sh preview');
    await expect.poll(() => preview.textContent()).toContain('"$DATA_DIR"');
    await screenshot(page, 'ui-context-package-data-dir');

    await page.getByLabel('Always this folder').check();
    await page.getByLabel('Data folder', { exact: true }).fill('/srv/telemetry');
    await expect.poll(() => preview.textContent()).toContain('/srv/telemetry');
    expect(await preview.textContent()).not.toContain('"$DATA_DIR"');
    await fromEnv.check();
    await expect.poll(() => preview.textContent()).toContain('"$DATA_DIR"');
  });

  it('shows what an entry point needs and the package lacks', async () => {
    const bare = join(root, 'bare');
    await mkdir(bare);
    await writeFile(join(bare, 'run.sh'), 'exec python3 -m mapreduce.job --job job.py --data-dir "$DATA_DIR"\n');
    await writeFile(join(bare, 'job.py'), 'def map(k, d, v, c):\n    pass\n');
    const lacking = join(root, 'lacking.tar.gz');
    execFileSync('tar', ['czf', lacking, '-C', bare, 'run.sh', 'job.py']);
    await page.getByLabel('Tarball', { exact: true }).fill(lacking);
    await page.getByRole('button', { name: 'Inspect' }).click();
    const findings = page.getByRole('list', { name: 'Problems in the tarball' });
    await expect.poll(() => findings.textContent()).toContain('Entry point:');
    expect(await findings.textContent()).toMatch(/mapreduce/);
    expect(await findings.textContent()).not.toContain('Unsafe:');
    await screenshot(page, 'ui-context-package-entry-point');
    expect(await readFile(join(bare, 'run.sh'), 'utf8')).toContain('mapreduce.job');
  });

  it('showed no errors in the page', () => {
    expect(problems).toEqual([]);
  });
});
