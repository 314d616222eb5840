import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
