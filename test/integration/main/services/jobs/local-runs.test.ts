import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../../src/shared/protocol.ts';
import type { LogChunk, Run, RunRequest } from '../../../../../src/shared/model.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { groupMembers } from '../../../../fixtures/process-group.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { writeTelemetryData, type Submission } from '../../../../fixtures/telemetry-data.ts';

const RESOURCES = resolve('resources');

const FILTER = JSON.stringify({
  version: 1,
  dimensions: [
    { field_name: 'reason', allowed_values: ['saved-session'] },
    { field_name: 'appName', allowed_values: '*' },
    { field_name: 'appUpdateChannel', allowed_values: '*' },
    { field_name: 'appVersion', allowed_values: '*' },
    { field_name: 'appBuildID', allowed_values: '*' },
    { field_name: 'submission_date', allowed_values: '*' },
  ],
});

const COUNT_BY_OS = `
import json

def map(key, dims, value, context):
    context.write(json.loads(value)["info"]["OS"], 1)

def reduce(key, values, context):
    context.write(key, sum(values))
`;

let root: string;
let workbench: Workbench;
let dataDir: string;
let submissions: Submission[];

async function jobFolder(name: string, script: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = join(root, 'jobs', name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'job.py'), script);
  await writeFile(join(dir, 'filter.json'), FILTER);
  for (const [file, text] of Object.entries(extra)) await writeFile(join(dir, file), text);
  return dir;
}

/** Calls through the contract, as the UI does; throws the wire error's message. */
async function call(name: string, input?: unknown): Promise<unknown> {
  const result = await workbench.dispatch(name, input);
  if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code });
  return result.value;
}

async function start(request: RunRequest): Promise<Run> {
  return (await call('jobs:start', request)) as Run;
}

/** Collects this run's events from the hub, as a UI subscriber would get them. */
function listen(wb: Workbench, runId: string) {
  const chunks: LogChunk[] = [];
  const runs: Run[] = [];
  let wake = () => {};
  const subscriber = wb.hub.connect((batch: EventEnvelope[]) => {
    for (const event of batch) {
      if (event.topic === 'jobs:log') chunks.push(event.payload as LogChunk);
      if (event.topic === 'jobs:run') runs.push(event.payload as Run);
    }
    wake();
  });
  subscriber.subscribe({ topic: 'jobs:log', key: runId });
  subscriber.subscribe({ topic: 'jobs:run', key: runId });
  return {
    chunks,
    runs,
    close: () => subscriber.close(),
    async until(done: () => boolean, timeoutMs = 30_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out; last run state: ${JSON.stringify(runs.at(-1))}`);
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 500);
        });
      }
    },
  };
}

const ended = (events: { runs: Run[] }) => () => events.runs.some((r) => r.status !== 'running');

beforeEach(async () => {
  root = await useTempDir('workbench-runs');
  dataDir = join(root, 'data');
  const oses = ['WINNT', 'Linux', 'Darwin'];
  submissions = Array.from({ length: 600 }, (_, i): Submission => ({
    dims: [i % 5 === 0 ? 'idle-daily' : 'saved-session', 'Firefox', i % 2 ? 'release' : 'beta', '41.0', '20151001000000', `2026112${i % 3}`],
    payload: { info: { OS: oses[i % 7 === 0 ? 2 : i % 2]!, version: '6.1' } },
  }));
  await writeTelemetryData(dataDir, submissions);
  workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'web', resourcesDir: RESOURCES });
});
afterEach(async () => {
  await workbench.close();
});

describe('map/reduce runs on this computer', () => {
  it('runs a job folder to completion, streams its log in order and collects the output', async () => {
    const dir = await jobFolder('count-os', COUNT_BY_OS);
    const runRecord = await start({ source: { kind: 'folder', path: dir }, dataDir, mappers: 2, reducers: 2 });
    expect(runRecord).toMatchObject({ status: 'running', jobName: 'count-os', worker: 'local' });
    const events = listen(workbench, runRecord.id);
    await events.until(ended(events));
    const final = (await call('jobs:get', { runId: runRecord.id })) as Run;
    expect(final.status, final.message).toBe('succeeded');
    expect(final.exitCode).toBe(0);

    // The output is what the data says, computed here independently.
    const expected = new Map<string, number>();
    for (const s of submissions) {
      if (s.dims[0] !== 'saved-session') continue;
      const os = (s.payload as { info: { OS: string } }).info.OS;
      expected.set(os, (expected.get(os) ?? 0) + 1);
    }
    const text = await readFile(join(final.resultDir!, final.outputs[0]!.name), 'utf8');
    const got = new Map(text.trim().split('\n').map((line) => [line.split('\t')[0]!, Number(line.split('\t')[1])] as const));
    expect(got).toEqual(expected);
    expect(final.outputs).toEqual([{ name: 'count-os.txt', bytes: Buffer.byteLength(text), downloaded: true }]);
    const result = (await call('jobs:result', { runId: final.id })) as { name: string; text: string };
    expect(result.text).toBe(text);

    // Events carried the whole log, contiguous by offset, nothing lost or repeated.
    await events.until(() => events.chunks.some((c) => c.done));
    let offset = 0;
    for (const chunk of events.chunks) {
      expect(chunk.offset).toBe(offset);
      offset = chunk.nextOffset;
    }
    const logFile = await readFile(join(root, 'app', 'worker', 'runs', final.id, 'log'), 'utf8');
    expect(events.chunks.map((c) => c.text).join('')).toBe(logFile);
    expect(logFile).toMatch(/^@progress \{.*"phase":"done"/m);
    expect(final.progress).toMatchObject({ files_total: expect.any(Number) });
    events.close();

    // Reading from any offset gives exactly the rest.
    const middle = Math.floor(Buffer.byteLength(logFile) / 2);
    const rest = (await call('jobs:log', { runId: final.id, offset: middle })) as LogChunk;
    expect(rest.text).toBe(Buffer.from(logFile).subarray(middle).toString('utf8'));
    expect(rest).toMatchObject({ nextOffset: Buffer.byteLength(logFile), done: true });

    // History persists.
    const history = (await call('jobs:list')) as Run[];
    expect(history[0]).toMatchObject({ id: final.id, status: 'succeeded' });
  });

  it('cancels a run with every process of its group', async () => {
    const dir = await jobFolder('sleepy', 'import time\n\ndef map(key, dims, value, context):\n    time.sleep(60)\n');
    const first = await start({ source: { kind: 'folder', path: dir }, dataDir, mappers: 2 });
    const events = listen(workbench, first.id);
    const runDir = join(root, 'app', 'worker', 'runs', first.id);
    const pid = Number(await readFile(join(runDir, 'pid'), 'utf8'));
    // Wait until the mappers are really running (python processes in the group).
    await expect.poll(async () => (await groupMembers(pid)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    await call('jobs:cancel', { runId: first.id });
    await events.until(ended(events));
    const final = (await call('jobs:get', { runId: first.id })) as Run;
    expect(final.status).toBe('cancelled');
    // Nothing of the run is left (killed processes may take a moment to be reaped).
    await expect.poll(() => groupMembers(pid), { timeout: 5000 }).toEqual([]);
    events.close();
  });

  it('stops a run at its timeout and says so', async () => {
    const dir = await jobFolder('too-slow', 'import time\n\ndef map(key, dims, value, context):\n    time.sleep(60)\n');
    const first = await start({ source: { kind: 'folder', path: dir }, dataDir, mappers: 1, timeoutMinutes: 2 / 60 });
    const events = listen(workbench, first.id);
    await events.until(ended(events));
    const final = (await call('jobs:get', { runId: first.id })) as Run;
    expect(final).toMatchObject({ status: 'timed-out', exitCode: 124, message: 'Stopped after its timeout of 2 seconds.' });
    events.close();
  });

  it('reports a failing script with its exit code and the end of its traceback', async () => {
    const dir = await jobFolder('broken', 'def map(key, dims, value, context):\n    raise KeyError("no such field")\n');
    const first = await start({ source: { kind: 'folder', path: dir }, dataDir });
    const events = listen(workbench, first.id);
    await events.until(ended(events));
    const final = (await call('jobs:get', { runId: first.id })) as Run;
    expect(final.status).toBe('failed');
    expect(final.exitCode).toBe(2);
    expect(final.message).toMatch(/^Exited with code 2\./);
    expect(final.message).toMatch(/KeyError/);
    events.close();
  });

  it('picks up a run that was going when the app stopped, with its whole log', async () => {
    const dir = await jobFolder('slowish', `import json, time\n\ndef map(key, dims, value, context):\n    time.sleep(0.005)\n    context.write(json.loads(value)["info"]["OS"], 1)\n\ndef reduce(key, values, context):\n    context.write(key, sum(values))\n`);
    const first = await start({ source: { kind: 'folder', path: dir }, dataDir, mappers: 1 });
    await workbench.close(); // the app quits; the run goes on
    workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'web', resourcesDir: RESOURCES });
    const events = listen(workbench, first.id);
    await events.until(ended(events));
    const final = (await call('jobs:get', { runId: first.id })) as Run;
    expect(final.status, final.message).toBe('succeeded');
    const all = (await call('jobs:log', { runId: first.id, offset: 0 })) as LogChunk;
    expect(all.text).toMatch(/"phase":"done"/);
    expect(all.done).toBe(true);
    events.close();
  });

  it('runs an example job on the sample data', async () => {
    const sample = (await call('jobs:generate-sample-data', { sizeMb: 1 })) as { exists: boolean; files: number };
    expect(sample.exists).toBe(true);
    expect(sample.files).toBeGreaterThan(3);
    const first = await start({ source: { kind: 'example', name: 'os-distribution' }, mappers: 2 });
    const events = listen(workbench, first.id);
    await events.until(ended(events));
    const final = (await call('jobs:get', { runId: first.id })) as Run;
    expect(final.status, final.message).toBe('succeeded');
    expect(final.outputs[0]!.bytes).toBeGreaterThan(0);
    events.close();
  });

  it('refuses bad requests with what to fix, and starts nothing', async () => {
    const good = await jobFolder('good', COUNT_BY_OS);
    const linked = await jobFolder('linked', COUNT_BY_OS);
    await symlink('/etc/passwd', join(linked, 'passwd'));
    const cases: [unknown, string, RegExp][] = [
      [{ source: { kind: 'folder', path: join(root, 'nope') }, dataDir }, 'NOT_FOUND', /does not exist/],
      [{ source: { kind: 'folder', path: good }, dataDir, script: '../../etc/passwd' }, 'BAD_INPUT', /inside the job folder/],
      [{ source: { kind: 'folder', path: good }, dataDir, script: 'missing.py' }, 'NOT_FOUND', /no script missing\.py/],
      [{ source: { kind: 'folder', path: good }, dataDir, filter: '{"version": 1,' }, 'BAD_INPUT', /filter is not valid JSON/],
      [{ source: { kind: 'folder', path: good }, dataDir, filter: '['.repeat(100_000) + ']'.repeat(100_000) }, 'BAD_INPUT', /^The filter nests objects and lists 100000 levels deep; at most 64 are allowed; a filter needs 4\./],
      [{ source: { kind: 'folder', path: good }, dataDir: join(root, 'no-data') }, 'NOT_FOUND', /data set .* does not exist/],
      [{ source: { kind: 'folder', path: linked }, dataDir }, 'BAD_INPUT', /passwd is a symbolic link/],
      [{ source: { kind: 'example', name: '../../etc' } }, 'BAD_INPUT', /example name/],
      [{ source: { kind: 'folder', path: good }, dataDir, mappers: 0 }, 'BAD_INPUT', /mappers/],
      [{ source: { kind: 'folder', path: good }, dataDir, timeoutMinutes: 2000 }, 'BAD_INPUT', /timeoutMinutes/],
    ];
    for (const [request, code, message] of cases) {
      await expect(call('jobs:start', request), JSON.stringify(request)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    }
    expect(await call('jobs:list')).toEqual([]);
  });
});
