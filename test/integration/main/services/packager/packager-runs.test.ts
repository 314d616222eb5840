import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { safeExtract } from '../../../../../src/main/services/packager/safe-extract.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { hostileCases, writeRawTarGz } from '../../../../fixtures/hostile-tar.ts';
import { EXTRACTORS, SAFE_EXTRACT_PY } from '../../../../fixtures/package-extractors.ts';
import { runEnd } from '../../../../fixtures/run-events.ts';
import { writeTelemetryData } from '../../../../fixtures/telemetry-data.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

const run = promisify(execFile);

let root: string;
let workbench: Workbench;

const call = callerOf(() => workbench);

const finished = (runId: string) => runEnd(workbench, runId);

async function pack(dir: string, name: string, extra: object = {}): Promise<string> {
  const output = join(root, `${name}.tar.gz`);
  await call('packager:build', { buildId: `build-${name}`, root: dir, output, ...extra });
  return output;
}

beforeEach(async () => {
  root = await useTempDir('workbench-packager');
  workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'web', resourcesDir: resolve('resources') });
});
afterEach(async () => {
  await workbench.close();
});

describe('hostile tarballs', () => {
  for (const name of Object.keys(hostileCases('/will-be-replaced'))) {
    for (const [extractor, extract] of Object.entries(EXTRACTORS)) {
      it(`${name}: ${extractor} refuses it and writes nothing outside the target`, async () => {
        const outside = join(root, 'outside');
        await mkdir(outside);
        await writeFile(join(outside, 'victim.txt'), 'untouched');
        const tarball = join(root, 'hostile.tar.gz');
        await writeRawTarGz(tarball, hostileCases(outside)[name]!);
        const target = join(root, 'target');
        const message = await extract(tarball, target);
        expect(message).toMatch(/Refused to unpack/);
        expect(message).toMatch(/absolute path|climbs out|symbolic link|hard link|device file/);
        expect((await readdir(outside)).sort()).toEqual(['victim.txt']);
        expect(await readFile(join(outside, 'victim.txt'), 'utf8')).toBe('untouched');
        // Refused before anything was written.
        expect(await readdir(target).catch(() => [])).toEqual([]);
      });
    }
  }

  it('a link planted in the target beforehand is not written through', async () => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    const target = join(root, 'target');
    await mkdir(target);
    await run('ln', ['-s', outside, join(target, 'lib')]);
    const tarball = join(root, 'innocent.tar.gz');
    await writeRawTarGz(tarball, [{ header: { name: 'lib/x.py' }, body: 'escaped' }]);
    await expect(safeExtract(tarball, target)).rejects.toThrow('Refused to unpack into lib: it is a symbolic link.');
    const py = await run('python3', [SAFE_EXTRACT_PY, tarball, target]).then(() => '', (err: { stderr: string }) => err.stderr);
    expect(py).toMatch(/Refused|outside/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('inspect lists the entries and flags every unsafe one and the secrets', async () => {
    const outside = join(root, 'outside');
    const tarball = join(root, 'mixed.tar.gz');
    await writeRawTarGz(tarball, [
      { header: { name: 'run.sh', mode: 0o755 }, body: '#!/bin/sh\n' },
      { header: { name: '.aws/credentials' }, body: '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n' },
      ...Object.values(hostileCases(outside)).flat(),
    ]);
    const inspection = await call('packager:inspect', { path: tarball });
    expect(inspection.entryPoint).toEqual({ command: ['sh', 'run.sh'], outputDir: 'output', from: 'run.sh' });
    expect(inspection.entries.find((e) => e.path === 'run.sh')).toMatchObject({ type: 'file', bytes: 10 });
    const messages = inspection.problems.map((p) => p.message).join('\n');
    expect(messages).toContain(`../outside/evil.txt climbs out of the package (../)`);
    expect(messages).toContain(`${outside}/abs.txt has an absolute path`);
    expect(messages).toContain(`link is a symbolic link pointing outside the package (${outside})`);
    expect(messages).toContain(`hard is a hard link (to ${outside}/victim.txt)`);
    expect(messages).toContain('dev is a device file');
    expect(inspection.secrets.map((s) => s.kind)).toEqual(expect.arrayContaining(['an AWS credentials file', 'an AWS access key id']));
  });
});

describe('test runs of a package on this computer', () => {
  it('unpacks a fresh run, runs its command and shows the files it left in its output folder', async () => {
    const dir = join(root, 'writes-output');
    await mkdir(dir);
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\nset -e\necho "working in $(basename "$PWD")"\necho 42 > "$OUTPUT_DIR/answer.txt"\n');
    const started = await call('packager:test-run', { path: await pack(dir, 'writes-output'), timeoutMinutes: 1 });
    expect(started).toMatchObject({ status: 'running', jobName: 'writes-output', request: { source: { kind: 'package' } } });
    const done = await finished(started.id);
    expect(done).toMatchObject({ status: 'succeeded', outputs: [{ name: 'answer.txt', bytes: 3 }] });
    expect(await readFile(join(done.resultDir!, 'answer.txt'), 'utf8')).toBe('42\n');
    // The job's own output, among run-job.sh's notes, as a scheduled run's log has it.
    const log = (await call('jobs:log', { runId: done.id, offset: 0 })).text;
    expect(log).toContain('\nworking in code\n');
    expect(log).toMatch(/\[run-job [^\]]+\] running: sh run\.sh\n/);
    // It is in the run history like any run.
    expect((await call('jobs:list')).map((r) => r.id)).toContain(done.id);
  });

  it('reports a package that wrote nothing to its output folder', async () => {
    const dir = join(root, 'no-output');
    await mkdir(dir);
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\necho forgot the output\n');
    const done = await finished((await call('packager:test-run', { path: await pack(dir, 'no-output') })).id);
    expect(done.status).toBe('succeeded');
    expect(done.outputs).toEqual([]);
    expect(done.message).toBe("The command wrote nothing to its output folder 'output'.");
  });

  it('runs a map/reduce package with a generated run.sh and the bundled runner', async () => {
    const data = join(root, 'data');
    await writeTelemetryData(data, Array.from({ length: 50 }, (_, i) => ({ dims: ['saved-session', 'Firefox', 'release', '41.0', '20151001000000', '20261120'], payload: { info: { OS: i % 2 ? 'Linux' : 'WINNT' } } })));
    const dir = join(root, 'count-os');
    await mkdir(dir);
    await writeFile(join(dir, 'job.py'), 'import json\n\ndef map(k, dims, value, context):\n    context.write(json.loads(value)["info"]["OS"], 1)\n\ndef reduce(k, values, context):\n    context.write(k, sum(values))\n');
    const dimensions = ['reason', 'appName', 'appUpdateChannel', 'appVersion', 'appBuildID', 'submission_date'].map((f) => ({ field_name: f, allowed_values: '*' }));
    await writeFile(join(dir, 'filter.json'), JSON.stringify({ version: 1, dimensions }));
    const wrapper = { setup: 'echo setting up', job: { kind: 'mapreduce', dataDir: data, mappers: 2, reducers: 1, outputName: 'by-os.txt' } };
    const done = await finished((await call('packager:test-run', { path: await pack(dir, 'count-os', { wrapper }) })).id);
    expect(done.status, done.message).toBe('succeeded');
    expect(done.outputs.map((o) => o.name)).toEqual(['by-os.txt']);
    const text = await readFile(join(done.resultDir!, 'by-os.txt'), 'utf8');
    expect(text.split('\n').filter(Boolean).sort()).toEqual(['Linux\t25', 'WINNT\t25']);
  });

  it('a run that cannot be set up on its worker is in history as failed, with the reason', async () => {
    const dir = join(root, 'blocked');
    await mkdir(dir);
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\necho never\n');
    const tarball = await pack(dir, 'blocked');
    // A file where this computer's run folders go: no run dir can be made in it.
    await mkdir(join(root, 'app', 'worker'), { recursive: true });
    await rm(join(root, 'app', 'worker', 'runs'), { recursive: true, force: true });
    await writeFile(join(root, 'app', 'worker', 'runs'), 'not a folder');
    await expect(call('packager:test-run', { path: tarball })).rejects.toThrow(/runs/);
    const runs = await call('jobs:list');
    expect(runs).toEqual([expect.objectContaining({ status: 'failed', jobName: 'blocked', request: expect.objectContaining({ source: { kind: 'package', path: tarball } }) })]);
    expect(runs[0]!.message).toMatch(/^The run could not be started: .*runs/);
    expect(runs[0]!.finishedAt).toEqual(expect.any(String));
  });

  it('refuses to run a hostile package', async () => {
    const tarball = join(root, 'hostile.tar.gz');
    await writeRawTarGz(tarball, [{ header: { name: 'run.sh' }, body: 'echo hi' }, { header: { name: '../evil.sh' }, body: 'x' }]);
    await expect(call('packager:test-run', { path: tarball })).rejects.toThrow(/Refused to run hostile\.tar\.gz: \.\.\/evil\.sh climbs out of the package/);
  });
});
