import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Run } from '../../../../../src/shared/model.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { runEnd } from '../../../../fixtures/run-events.ts';
import { sessionSubmissions, writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

// The run environment (docs/ARCHITECTURE.md, "Run environment"): the packager's Test run and a
// local schedule run the same package through resources/worker/run-job.sh, with the same
// DATA_DIR (the sample data), an OUTPUT_DIR of their own, and nothing of the app's environment.

let root: string;
let workbench: Workbench;
const call = callerOf(() => workbench);

/** What the app's own environment may hold; none of it may reach a package. */
const LEAKS = { WORKBENCH_WORKER_DIR: '/app/worker', PYTHONPATH: '/app/lib', OUTPUT_DIR: '/app/out', DATA_DIR: '/app/data' };
const saved: Record<string, string | undefined> = {};

beforeEach(async () => {
  root = await useTempDir('run-environment');
  for (const [key, value] of Object.entries(LEAKS)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'web', resourcesDir: resolve('resources'), scheduleOverrides: { pollMs: 50 } });
  // The sample data: what a Test run and a local schedule read when nothing else is named.
  await writeTelemetryData(join(root, 'app', 'sample-data'), sessionSubmissions(30, undefined, (i) => ({ info: { OS: i % 3 ? 'Linux' : 'WINNT' } })));
});
afterEach(async () => {
  await workbench.close();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

/** A package of `files` (run.sh is the entry point), built by the packager. */
async function pack(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  const output = join(root, `${name}.tar.gz`);
  await call('packager:build', { buildId: `build-${name}`, root: dir, output });
  return output;
}

async function testRun(tarball: string, timeoutMinutes = 1): Promise<Run> {
  const started = await call('packager:test-run', { path: tarball, timeoutMinutes });
  return runEnd(workbench, started.id, 60_000);
}

/** A local schedule of the tarball, run now: its run record and where its output was published. */
async function scheduledRun(name: string, tarball: string): Promise<{ status: string; message: string | null; outputDir: string; log: string }> {
  await call('schedules:create', { name, tarball, command: 'sh run.sh', frequency: { kind: 'daily' }, timeoutMinutes: 1 });
  const { runId } = await call('schedules:run-now', { name });
  await workbench.schedules.local.whenIdle();
  const record = (await workbench.schedules.local.history(name)).find((r) => r.runId === runId)!;
  const { output } = workbench.schedules.local.locate(record);
  return { status: record.status, message: record.message, outputDir: output, log: (await call('schedules:log', { name, runId })).text };
}

/** Every file under `dir`, by its path inside it. */
async function filesUnder(dir: string): Promise<Record<string, Buffer>> {
  const found: Record<string, Buffer> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) found[relative(dir, join(entry.parentPath, entry.name))] = await readFile(join(entry.parentPath, entry.name));
  }
  return found;
}

// Reads the data set and says what it saw, with nothing that differs from one run to the next.
const SUMMARY_RUN_SH = `#!/bin/sh
set -eu
cd "$(dirname "$0")"
find "$DATA_DIR" -type f | sed "s|^$DATA_DIR/||" | LC_ALL=C sort > "$OUTPUT_DIR/files.txt"
find "$DATA_DIR" -type f | LC_ALL=C sort | xargs cat | gzip -dc | wc -l | tr -d ' ' > "$OUTPUT_DIR/submissions.txt"
python3 summary.py > "$OUTPUT_DIR/environment.txt"
`;
const SUMMARY_PY = `import os
print("output dir is ./output:", os.environ["OUTPUT_DIR"] == os.path.join(os.getcwd(), "output"))
for name in ("WORKBENCH_WORKER_DIR", "PYTHONPATH"):
    print(name, "set" if name in os.environ else "unset")
`;

describe('one run environment for a Test run and a schedule', () => {
  it('a Test run and a local schedule of the same package publish byte-identical output', async () => {
    const tarball = await pack('summary', { 'run.sh': SUMMARY_RUN_SH, 'summary.py': SUMMARY_PY });
    const tested = await testRun(tarball);
    expect(tested.status, tested.message).toBe('succeeded');
    const scheduled = await scheduledRun('summary', tarball);
    expect(scheduled.status, scheduled.message ?? '').toBe('succeeded');

    const fromTest = await filesUnder(tested.resultDir!);
    const fromSchedule = await filesUnder(scheduled.outputDir);
    expect(Object.keys(fromTest).sort()).toEqual(['environment.txt', 'files.txt', 'submissions.txt']);
    expect(fromSchedule).toEqual(fromTest);
    expect(fromTest['submissions.txt']!.toString()).toBe('30\n');
    expect(fromTest['environment.txt']!.toString()).toBe('output dir is ./output: True\nWORKBENCH_WORKER_DIR unset\nPYTHONPATH unset\n');
  }, 120_000);

  it('a package printing its environment sees the sample data as DATA_DIR, its own OUTPUT_DIR and no WORKBENCH_WORKER_DIR', async () => {
    const runSh = '#!/bin/sh\necho "DATA_DIR=${DATA_DIR-unset}"\necho "OUTPUT_DIR=${OUTPUT_DIR-unset}"\necho "PWD=$PWD"\necho "WORKBENCH_WORKER_DIR=${WORKBENCH_WORKER_DIR-unset}"\necho done > "$OUTPUT_DIR/done.txt"\n';
    const tarball = await pack('prints', { 'run.sh': runSh });
    const tested = await testRun(tarball);
    expect(tested.status, tested.message).toBe('succeeded');
    const scheduled = await scheduledRun('prints', tarball);
    for (const log of [(await call('jobs:log', { runId: tested.id, offset: 0 })).text, scheduled.log]) {
      const seen = Object.fromEntries(log.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split(/=(.*)/s).slice(0, 2)));
      expect(seen['DATA_DIR']).toBe(join(root, 'app', 'sample-data'));
      expect(seen['OUTPUT_DIR']).toBe(`${seen['PWD']}/output`);
      expect(seen['WORKBENCH_WORKER_DIR']).toBe('unset');
    }
  }, 120_000);

  it('an Editor workspace from the template, packaged as it is, runs on the sample data in a Test run and a schedule alike', async () => {
    const workspace = await call('workspace:new', { name: 'from-template', from: { kind: 'template' } });
    const tarball = join(root, 'from-template.tar.gz');
    await call('packager:build', { buildId: 'build-template', root: workspace.root, output: tarball });
    const tested = await testRun(tarball);
    expect(tested.status, tested.message).toBe('succeeded');
    const scheduled = await scheduledRun('from-template', tarball);
    expect(scheduled.status, scheduled.message ?? '').toBe('succeeded');
    const fromTest = await filesUnder(tested.resultDir!);
    expect(Object.keys(fromTest)).toEqual(['result.txt']);
    expect(fromTest['result.txt']!.toString().split('\n').filter((line) => !line.startsWith('#') && line !== '').sort()).toEqual(['Linux\t20', 'WINNT\t10']);
    expect(await filesUnder(scheduled.outputDir)).toEqual(fromTest);
  }, 120_000);
});

describe('a Test run through run-job.sh', () => {
  it('streams the job\'s own output while it runs', async () => {
    const goOn = join(root, 'go-on');
    const tarball = await pack('live', { 'run.sh': `#!/bin/sh\necho "first line"\nwhile [ ! -e '${goOn}' ]; do sleep 0.05; done\necho "second line"\necho 1 > "$OUTPUT_DIR/one.txt"\n` });
    const chunks: string[] = [];
    let running = true;
    const stop = workbench.bus.on('jobs:log', (chunk) => {
      chunks.push(chunk.text);
      if (running && chunks.join('').includes('first line')) void writeFile(goOn, '');
    });
    const started = await call('packager:test-run', { path: tarball, timeoutMinutes: 1 });
    const done = await runEnd(workbench, started.id, 60_000);
    running = false;
    stop();
    expect(done.status, done.message).toBe('succeeded');
    // "first line" came while the job was waiting for it to be seen: before "second line" was written.
    const text = chunks.join('');
    expect(text).toMatch(/first line\n[\s\S]*second line\n/);
    expect(done.outputs).toEqual([{ name: 'one.txt', bytes: 2, downloaded: true }]);
  }, 90_000);

  it('stops the job at the request\'s timeout', async () => {
    const tarball = await pack('slow', { 'run.sh': '#!/bin/sh\necho started\nsleep 120\necho never\n' });
    const began = Date.now();
    const done = await testRun(tarball, 3 / 60);
    expect(done.status).toBe('timed-out');
    expect(done.message).toBe('Stopped after its timeout of 3 seconds.');
    expect(Date.now() - began).toBeLessThan(30_000);
    expect((await call('jobs:log', { runId: done.id, offset: 0 })).text).not.toContain('never');
  }, 60_000);

  it('a failing job says why, with its own last lines', async () => {
    const tarball = await pack('broken', { 'run.sh': '#!/bin/sh\necho "it broke" >&2\nexit 3\n' });
    const done = await testRun(tarball);
    expect(done).toMatchObject({ status: 'failed', exitCode: 3, outputs: [] });
    expect(done.message).toBe('The command failed with exit code 3; nothing was published.\nit broke');
  }, 60_000);

  it('cancelling stops the job itself', async () => {
    const pidFile = join(root, 'job.pid');
    const tarball = await pack('endless', { 'run.sh': `#!/bin/sh\necho $$ > '${pidFile}'\nsleep 300\n` });
    const started = await call('packager:test-run', { path: tarball, timeoutMinutes: 10 });
    const deadline = Date.now() + 30_000;
    while (!(await readFile(pidFile, 'utf8').catch(() => '')).trim() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(await readFile(pidFile, 'utf8'));
    await call('jobs:cancel', { runId: started.id });
    const done = await runEnd(workbench, started.id, 30_000);
    expect(done.status).toBe('cancelled');
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3), () => 'gone');
    expect(['gone', 'Z', 'X']).toContain(state);
  }, 60_000);
});
