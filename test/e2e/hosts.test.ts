import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBrowserWorkbench } from './browser-workbench.ts';

const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'workbench-hosts-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

async function workbench(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'bin/workbench.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm start without the Electron binary', () => {
  it('says so in one line and starts the browser workbench', async () => {
    const started = await startBrowserWorkbench({ dataDir, entry: [join(ROOT, 'scripts/start.mjs')] });
    try {
      const lines = started.output().trim().split('\n');
      expect(lines[0]).toBe('Electron is not available on this machine; starting the browser workbench instead.');
      expect(lines[1]).toMatch(/^Analysis Workbench is open at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      const page = await fetch(started.url, { redirect: 'manual' });
      expect(page.status).toBe(303);
    } finally {
      await started.stop();
    }
  });
});

describe('the workbench command', () => {
  it('prints info for its data dir', async () => {
    const text = await workbench('info', '--data-dir', dataDir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Analysis Workbench \d+\.\d+\.\d+\ndata directory: /);
    const json = await workbench('info', '--json', '--data-dir', dataDir);
    expect(JSON.parse(json.stdout)).toMatchObject({ host: 'cli', dataDir, notices: [] });
  });

  it('makes any contract call and reports bad input with the field to fix', async () => {
    const ok = await workbench('call', 'settings:set', '{"theme":"dark"}', '--data-dir', dataDir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ theme: 'dark' });
    const bad = await workbench('call', 'settings:set', '{"workerLifetimeHours":100}', '--data-dir', dataDir);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/workerLifetimeHours: Too big/i);
    const notJson = await workbench('call', 'settings:set', '{theme', '--data-dir', dataDir);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/not valid JSON/);
  });

  it('refuses unknown commands and options with usage advice', async () => {
    const unknown = await workbench('launch-rockets');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown command "launch-rockets"/);
    const option = await workbench('info', '--colour');
    expect(option.code).toBe(2);
  });

  it('reports a corrupt settings file once, keeps it aside and carries on', async () => {
    await writeFile(join(dataDir, 'settings.json'), '{"version":1,"data":');
    const first = await workbench('info', '--data-dir', dataDir);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/warning: .*settings\.json could not be used: it is not valid JSON.*kept as .*settings\.corrupt-/);
    const second = await workbench('info', '--data-dir', dataDir);
    expect(second.stdout).not.toMatch(/warning/);
  });

  it('`workbench web` starts on a truncated runs.json, keeps it aside and says so at every start until it is seen', async () => {
    await writeFile(join(dataDir, 'runs.json'), '{"version":1,"data":[{"id":"2026');
    for (const start of ['first', 'next']) {
      const started = await startBrowserWorkbench({ dataDir, entry: [join(ROOT, 'bin/workbench.js'), 'web'] });
      try {
        expect((await fetch(started.url, { redirect: 'manual' })).status, start).toBe(303);
        // Printed before the address, on stderr (its pipe may be read a moment after stdout's).
        const said = /workbench web: warning: .*runs\.json could not be used: it is not valid JSON.*kept as .*runs\.corrupt-.*goes on without the run history/;
        for (let waited = 0; !said.test(started.output()) && waited < 2_000; waited += 50) await new Promise((done) => setTimeout(done, 50));
        expect(started.output(), start).toMatch(said);
      } finally {
        await started.stop();
      }
    }
    // `workbench info` shows it once more; printed counts as seen.
    expect((await workbench('info', '--data-dir', dataDir)).stdout).toMatch(/warning: .*runs\.json could not be used/);
    expect((await workbench('info', '--data-dir', dataDir)).stdout).not.toMatch(/warning/);
  });

  it('runs a job with `workbench run --local`, streaming its log and exiting with its code', async () => {
    const made = await workbench('sample-data', '--size-mb', '1', '--data-dir', dataDir);
    expect(made.stdout).toMatch(/\d+ files, [\d.]+ MB compressed/);
    const ok = await workbench('run', 'example:submissions-per-day', '--local', '--mappers', '2', '--data-dir', dataDir);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Done in [\d.]+s/);
    expect(ok.stdout).not.toContain('@progress');
    expect(ok.stderr).toMatch(/Run \d{8}-\d{6}-[0-9a-f]{6} succeeded\.\nOutput:\n {2}.*submissions-per-day\.txt \(\d+ bytes\)/);

    const job = join(dataDir, 'broken-job');
    await mkdir(job);
    await writeFile(join(job, 'job.py'), 'def map(key, dims, value, context):\n    raise RuntimeError("this job is broken")\n');
    await writeFile(join(job, 'filter.json'), JSON.stringify({ version: 1, dimensions: ['reason', 'appName', 'appUpdateChannel', 'appVersion', 'appBuildID', 'submission_date'].map((f) => ({ field_name: f, allowed_values: '*' })) }));
    const failed = await workbench('run', job, '--local', '--data-dir', dataDir);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toContain('RuntimeError: this job is broken');
    expect(failed.stderr).toMatch(/ failed\.\n/);

    const missing = await workbench('run', join(dataDir, 'nope'), '--local', '--data-dir', dataDir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/job folder .*nope does not exist/);
    const notLocal = await workbench('run', job, '--data-dir', dataDir);
    expect(notLocal.code).toBe(2);
    expect(notLocal.stderr).toMatch(/add --local/);
  });

  it('serves the browser workbench with `workbench web`', async () => {
    const started = await startBrowserWorkbench({ dataDir, entry: [join(ROOT, 'bin/workbench.js'), 'web'] });
    try {
      const page = await fetch(started.url, { redirect: 'manual' });
      expect(page.status).toBe(303);
    } finally {
      await started.stop();
    }
  });
});
