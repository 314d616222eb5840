/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../../src/shared/worker-model.ts';
import { appDirWithSshWorker } from '../fixtures/ssh-worker-access.ts';
import { useSshd } from '../fixtures/server-hooks.ts';
import { screenshot, startWorkbenchWithOwnSsh, useWorkbenchInChromium } from './browser-workbench.ts';

const sshd = useSshd();
let root: string;
let dataDir: string;
let worker: WorkerInfo;
let tarball: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-spark-worker-'));
  ({ appDir: dataDir, worker } = await appDirWithSshWorker(root, sshd));
  // A Spark package, made with the CLI as a user would.
  tarball = join(root, 'os-spark.tar.gz');
  execFileSync(process.execPath, [resolve('bin/workbench.js'), 'pack', resolve('resources/examples/os-distribution'), '-o', tarball, '--mapreduce', 'job.py', '--engine', 'spark', '--data-dir', join(root, 'pack-app')], { stdio: 'pipe' });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startWorkbenchWithOwnSsh(dataDir), page: { viewport: { width: 1400, height: 1100 } } });

describe('the Schedule form of a Spark package', () => {
  it('says, before saving, that the chosen worker cannot run Spark and what to install there; this computer can', async () => {
    await page.goto(`${workbench.origin}/#/schedules/${encodeURIComponent(`+new?tarball=${encodeURIComponent(tarball)}`)}`);
    const form = page.getByRole('form', { name: 'Schedule a job' });
    await expect.poll(() => form.getByLabel('Engine').inputValue()).toBe('spark');
    await form.getByLabel('Worker').selectOption(worker.id);
    // The sshd's python3 (this machine's, outside the repository's .venv) has no pyspark.
    const alert = form.locator(`[id$="-engine-error"]`);
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toMatch(/^\S*box cannot run Spark jobs: its python3 has no pyspark \(.*\)\. Install it there: python3 -m pip install --user pyspark==3\.5\.\d+$/);
    await screenshot(page, 'schedule-form-spark-worker');
    await form.getByLabel('Job name').fill('os-spark');
    await form.getByRole('button', { name: 'Schedule' }).click();
    expect(await page.locator('tr[data-schedule="os-spark"]').count()).toBe(0);

    await form.getByLabel('Worker').selectOption('local');
    await expect.poll(() => alert.count(), { timeout: 30_000 }).toBe(0);
    expect(problems).toEqual([]);
  });
});
