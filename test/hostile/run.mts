/**
 * The hostile-input corpus: `npm run -s hostile` (or `npx tsx test/hostile/run.mts [CATEGORY...]`).
 *
 * Each case sends one hostile input at the real thing and judges what came back:
 *   browser-host  raw WebSocket frames (oversize, bad UTF-8, RSV bits, unmasked, reserved opcodes,
 *                 bad close codes, fragmented control frames), malformed messages, tokens, Host and
 *                 Origin, traversal in asset URLs, staged uploads (bad names, a full disk), a
 *                 subscriber that stops reading, against `node bin/workbench.js web` on 127.0.0.1
 *                 with a fresh data folder (WORKBENCH_LOOPBACK_ONLY=1);
 *   contract      every call with wrong types, missing and extra fields, prototype keys and deep
 *                 nesting, unknown call names, traversal in path fields, special files, huge filters,
 *                 SSH hosts off this machine, EC2 launches retried with a changed request (moto);
 *   cli           `node bin/workbench.js` with bad flags, missing arguments, junk ports, special files,
 *                 unknown runs and workers, control and bidi characters in names (bounded in time);
 *   tarballs      hostile .tar.gz files against `inspect`, resources/worker/safe_extract.py and the
 *                 app's own extractor (a test run), which must all refuse alike;
 *   run-job       resources/worker/run-job.sh with shell metacharacters in every argument;
 *   secrets       failing credential_process output, keys, tokens: never shown back;
 *   faults        damaged documents and planted links in the data folder, a killed wrapper.
 *
 * Verdicts: "refused cleanly" = a clear refusal reached the caller (an error naming what to fix, an
 * HTTP 4xx, a WebSocket closed with 1002/1007/1008/1009), nothing was written outside its place, and
 * the target still works afterwards (the shared host answers app:info); "accepted wrongly" = the
 * input was taken (extracted, saved, executed, leaked); "crashed" = the target died or answered with
 * a stack trace or traceback; "hung" = no answer within the case's bounded time. The last line is
 * `hostile: N tried, N refused cleanly, 0 accepted wrongly, 0 crashed, 0 hung`; the exit status is 0
 * only when every case was refused cleanly. Every process started runs in its own process group and
 * is killed at the end, and the scratch folder is removed, whatever happened. The full-disk cases
 * mount a small tmpfs (root, or sudo -n). HOSTILE_VERBOSE=1 prints every case with what it saw;
 * HOSTILE_TIMES=1 prints each category's time.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { brief, CATEGORIES, crashed, type Category, type HostileCase, type Outcome, type Verdict } from './harness.ts';
import { killAll } from './processes.ts';
import { Targets } from './targets.ts';
import { browserHostCases } from './cases/browser-host.ts';
import { contractCases } from './cases/contract.ts';
import { cliCases } from './cases/cli.ts';
import { tarballCases } from './cases/tarballs.ts';
import { runJobCases } from './cases/run-job.ts';
import { secretCases } from './cases/secrets.ts';
import { faultCases } from './cases/faults.ts';

const DEFAULT_TIMEOUT_MS = 5_000;

/** Cases that start their own processes and leave the shared host alone may run side by side. */
const CONCURRENCY: Record<Category, number> = { 'browser-host': 1, contract: 1, cli: 3, tarballs: 1, 'run-job': 3, secrets: 1, faults: 2 };

const verbose = process.env['HOSTILE_VERBOSE'] === '1';
const times = process.env['HOSTILE_TIMES'] === '1';

const repo = resolve(import.meta.dirname, '..', '..');

/**
 * Resolves once `timeoutMs` has passed, not counting time spent starting hosts meanwhile (their
 * start-up is bounded on its own, and on a busy machine it would eat a short case's time).
 */
async function timeUp(targets: Targets, timeoutMs: number): Promise<void> {
  const before = targets.startupMs;
  let credited = 0;
  for (let wait = timeoutMs; wait > 0; ) {
    await delay(wait);
    await targets.startsSettled();
    const spent = targets.startupMs - before;
    wait = spent - credited;
    credited = spent;
  }
}

async function runCase(targets: Targets, c: HostileCase): Promise<{ verdict: Verdict; detail: string }> {
  const timeoutMs = c.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const result = await Promise.race([
    c.run(targets).catch((err: unknown): Outcome => crashed(`the case itself failed: ${err instanceof Error ? err.message : String(err)}`)),
    timeUp(targets, timeoutMs).then(() => ({ verdict: 'hung' as const, detail: `no answer within ${timeoutMs / 1000} s` })),
  ]);
  // Whatever the case saw, a shared host that no longer answers means the input killed it.
  const unwell = await targets.hostUnwell();
  if (unwell) return { verdict: 'crashed', detail: `${unwell}${result.verdict === 'refused' ? '' : ` (the case saw: ${result.detail})`}` };
  return result;
}

/** The built app is missing or older than a source file (cases are generated from the source contract). */
async function buildIsStale(): Promise<boolean> {
  const built = await stat(join(repo, 'out', 'main', 'cli.js')).catch(() => undefined);
  if (!built) return true;
  for (const entry of await readdir(join(repo, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && (await stat(join(entry.parentPath, entry.name))).mtimeMs > built.mtimeMs) return true;
  }
  return false;
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  for (const name of wanted) if (!(CATEGORIES as readonly string[]).includes(name)) throw new Error(`unknown category ${name}; the categories: ${CATEGORIES.join(', ')}`);
  if (await buildIsStale()) execFileSync('npx', ['electron-vite', 'build'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });

  const all: HostileCase[] = [...browserHostCases, ...contractCases, ...cliCases, ...tarballCases, ...runJobCases, ...secretCases, ...faultCases];
  const seen = new Set<string>();
  for (const c of all) {
    const key = `${c.category} ${c.id}`;
    if (seen.has(key)) throw new Error(`two cases are called ${key}`);
    seen.add(key);
  }
  const counts: Record<Verdict, number> = { refused: 0, accepted: 0, crashed: 0, hung: 0 };
  const scratch = await mkdtemp(join(tmpdir(), 'workbench-hostile-'));
  let tried = 0;
  let targets: Targets | undefined;
  // Interrupted (Ctrl-C, a CI timeout) or ended by an error of our own (a reader of our output
  // gone: EPIPE): the same cleanup, synchronously, before leaving.
  const cleanUp = () => {
    killAll();
    targets?.unmount();
    rmSync(scratch, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => process.exit(130));
  try {
    for (const category of CATEGORIES) {
      if (wanted.length > 0 && !wanted.includes(category)) continue;
      targets = new Targets(repo, join(scratch, category));
      const queue = all.filter((c) => c.category === category);
      const began = Date.now();
      try {
        const lanes = Array.from({ length: CONCURRENCY[category] }, async () => {
          for (let c = queue.shift(); c; c = queue.shift()) {
            const { verdict, detail } = await runCase(targets!, c);
            tried += 1;
            counts[verdict] += 1;
            if (verdict !== 'refused' || verbose) console.log(`${category} ${c.id}: ${verdict === 'accepted' ? 'accepted wrongly' : verdict === 'refused' ? 'refused cleanly' : verdict}: ${brief(detail, 400)}`);
          }
        });
        await Promise.all(lanes);
      } finally {
        await targets.close();
      }
      if (times) console.log(`(${category}: ${((Date.now() - began) / 1000).toFixed(1)} s)`);
    }
  } finally {
    killAll();
    await rm(scratch, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
  console.log(`hostile: ${tried} tried, ${counts.refused} refused cleanly, ${counts.accepted} accepted wrongly, ${counts.crashed} crashed, ${counts.hung} hung`);
  return counts.refused === tried ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    killAll();
    console.error(`hostile: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
