/// <reference lib="dom" />
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';

let root: string;
const EXAMPLE = resolve('resources/examples/os-distribution');
const { workbench, page, problems } = useWorkbenchInChromium({ page: { viewport: { width: 1400, height: 1300 } } });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-pack-spark-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('a package that runs its job on Spark, from the UI', () => {
  it('Package: Engine Spark goes into run.sh, and the built package inspects as Engine: Spark', async () => {
    await page.goto(`${workbench.origin}/#/package`);
    await page.getByLabel('Folder to package').fill(EXAMPLE);
    await page.getByRole('button', { name: 'Open folder' }).click();
    await page.getByLabel('Generate: a map/reduce job (the runner is bundled in the package)').check();
    const engine = page.getByLabel('Engine');
    expect(await engine.inputValue()).toBe('local');
    await engine.selectOption({ label: 'Spark' });
    await page.getByText('Preview run.sh').click();
    await expect.poll(() => page.getByLabel('run.sh preview').textContent()).toMatch(/exec python3 -m mapreduce\.job job\.py .* --engine spark\n/);

    await page.getByLabel('Save tarball as').fill(join(root, 'os-spark.tar.gz'));
    await page.getByRole('button', { name: 'Build tarball' }).click();
    await expect.poll(() => page.getByTestId('build-result').textContent(), { timeout: 30_000 }).toMatch(/SHA-256 [0-9a-f]{64}/);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect.poll(() => page.getByTestId('inspection-engine').textContent()).toBe('Engine: Spark');
    await screenshot(page, 'packager-spark-inspected');
  });

  it('Schedule form: the Engine is the package\'s, and choosing the other says how to get a package for it', async () => {
    await page.getByRole('link', { name: 'Schedule this package…' }).click();
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await expect.poll(() => form.getByLabel('Code tarball').inputValue()).toBe(join(root, 'os-spark.tar.gz'));
    const engine = form.getByLabel('Engine');
    await expect.poll(() => engine.inputValue()).toBe('spark');
    expect(await engine.isDisabled()).toBe(false);
    await screenshot(page, 'schedule-form-spark');

    await engine.selectOption({ label: 'Local processes' });
    const said = 'This package runs on Spark. To run it with local processes, build it again in Package with Engine: Local processes, and schedule that tarball.';
    await expect.poll(() => form.getByRole('alert').allTextContents()).toContain(said);
    await screenshot(page, 'schedule-form-engine-mismatch');
    // Not saved while the form disagrees with the package.
    await form.getByLabel('Job name').fill('os-spark');
    await form.getByRole('button', { name: 'Schedule' }).click();
    expect(await form.isVisible()).toBe(true);
    expect(await page.locator('tr[data-schedule="os-spark"]').count()).toBe(0);

    // Back to the package's engine: saved, as a schedule on this computer (which has the Python with pyspark).
    await engine.selectOption({ label: 'Spark' });
    await expect.poll(() => form.getByRole('alert').count()).toBe(0);
    await form.getByRole('button', { name: 'Schedule' }).click();
    await expect.poll(() => page.locator('tr[data-schedule="os-spark"]').count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, 'schedule-spark-saved');
    expect(problems).toEqual([]);
  });
});
