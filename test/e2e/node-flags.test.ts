import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import nodeFlags from '../../bin/node-flags.json';
import { useTempDir } from '../fixtures/temp-dir.ts';
import { startBrowserWorkbench } from './browser-workbench.ts';

const ROOT = resolve(__dirname, '../..');

/** argv of each live child of `parent`, read from /proc (Linux). */
async function childrenOf(parent: number): Promise<Array<{ pid: number; argv: string[] }>> {
  const found: Array<{ pid: number; argv: string[] }> = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name, which is in parentheses and may hold spaces: state, ppid.
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
      found.push({ pid: Number(entry), argv });
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// V8 takes heap flags only at startup, so the way the product starts node is what sets them.
describe("the product's node processes start with bin/node-flags.json's flags", () => {
  const ways: Array<[string, string[], string]> = [
    ['`workbench web` (re-executes itself once with them)', [join(ROOT, 'bin/workbench.js'), 'web'], 'bin/workbench.js'],
    ['npm start without the Electron binary', [join(ROOT, 'scripts/start.mjs')], 'out/main/web.js'],
  ];
  for (const [how, entry, script] of ways) {
    it(`${how}, and the host it started stops when it is told to`, async () => {
      const started = await startBrowserWorkbench({ dataDir: await useTempDir('workbench-node-flags'), entry });
      let host: number | undefined;
      try {
        const hosts = (await childrenOf(started.pid)).filter(({ argv }) => argv.some((arg) => arg.endsWith(script)));
        expect(hosts).toHaveLength(1);
        const [{ pid, argv }] = hosts as [{ pid: number; argv: string[] }];
        host = pid;
        // The flags come before the script: node reads only those as its own options.
        const flags = argv.slice(1, argv.findIndex((arg) => arg.endsWith(script)));
        expect(flags).toEqual(expect.arrayContaining(nodeFlags.flags));
        expect((await fetch(started.url, { redirect: 'manual' })).status).toBe(303);
      } finally {
        await started.stop();
      }
      // stop() sends SIGTERM to the process it started and waits for it to exit.
      expect(alive(host)).toBe(false);
    });
  }
});

describe('the host a wrapper starts', () => {
  const ways: Array<[string, string[], string]> = [
    ['`workbench web`', [join(ROOT, 'bin/workbench.js'), 'web'], 'bin/workbench.js'],
    ['npm start without the Electron binary', [join(ROOT, 'scripts/start.mjs')], 'out/main/web.js'],
  ];
  for (const [how, entry, script] of ways) {
    it(`dies with the wrapper of ${how}: a SIGKILLed wrapper leaves no host serving`, async () => {
      const started = await startBrowserWorkbench({ dataDir: await useTempDir('workbench-wrapper-killed'), entry });
      const hosts = (await childrenOf(started.pid)).filter(({ argv }) => argv.some((arg) => arg.endsWith(script)));
      expect(hosts).toHaveLength(1);
      const host = hosts[0]!.pid;
      let killed = false;
      try {
        expect((await fetch(started.url, { redirect: 'manual' })).status).toBe(303);
        process.kill(started.pid, 'SIGKILL');
        killed = true;
        const deadline = Date.now() + 10_000;
        while (alive(host) && Date.now() < deadline) await new Promise((done) => setTimeout(done, 100));
        expect(alive(host)).toBe(false);
        await expect(fetch(started.url, { redirect: 'manual', signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
      } finally {
        if (alive(host)) process.kill(host, 'SIGKILL');
        if (!killed) await started.stop();
      }
    });
  }
});
