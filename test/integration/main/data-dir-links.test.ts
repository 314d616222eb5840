import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../src/main/services/credentials/secret-store.ts';
import { createWorkbench } from '../../../src/main/workbench.ts';
import { MATCH_ALL_FILTER, writeTelemetryData } from '../../fixtures/telemetry-data.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { callerOf } from '../../fixtures/workbench-call.ts';

const RESOURCES = resolve('resources');

/** A data dir with `link` (a path inside it) planted as a link to an empty folder outside it. */
async function planted(link: string) {
  const root = await useTempDir('data-dir-links');
  const dataDir = join(root, 'data');
  const outside = join(root, 'outside');
  await mkdir(outside);
  await mkdir(join(dataDir, link, '..'), { recursive: true });
  await symlink(outside, join(dataDir, link));
  const workbench = await createWorkbench({ dataDir, host: 'cli', resourcesDir: RESOURCES });
  const { onTestFinished } = await import('vitest');
  onTestFinished(() => workbench.close());
  return { root, dataDir, outside, call: callerOf(() => workbench) };
}

const refused = (path: string) => ({ code: 'BAD_INPUT', message: expect.stringMatching(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a link \\(to .*\\), and the workbench does not follow links inside its data folder, so nothing was written`)) });

describe('links planted inside the data dir', () => {
  it('a `workspaces` link is refused by name when a new job is made, and nothing is written where it points', async () => {
    const t = await planted('workspaces');
    await expect(t.call('workspace:new', { name: 'my job', from: { kind: 'template' } })).rejects.toMatchObject(refused(join(t.dataDir, 'workspaces')));
    expect(await readdir(t.outside)).toEqual([]);
  });

  it.each(['schedules/code', 'schedules/code/daily-counts', 'published', 'published/daily-counts'])('a `%s` link is refused by name when a schedule is made, and nothing is written where it points', async (link) => {
    const t = await planted(link);
    const tarball = join(t.root, 'job.tar.gz');
    await writeFile(tarball, 'not looked at: the folder is refused first');
    await expect(t.call('schedules:create', { name: 'daily-counts', tarball, frequency: { kind: 'daily' }, timeoutMinutes: 5 })).rejects.toMatchObject(refused(join(t.dataDir, link)));
    expect(await readdir(t.outside)).toEqual([]);
    expect(await t.call('schedules:list')).toEqual([]);
  });

  it('a `keys` link is refused by name when a worker key is kept, and no key is written where it points', async () => {
    const t = await planted('keys');
    await expect(new FileSecretStore(join(t.dataDir, 'keys')).set('worker-key-ec2-0a1b2c3d', 'PRIVATE KEY')).rejects.toMatchObject(refused(join(t.dataDir, 'keys')));
    expect(await readdir(t.outside)).toEqual([]);
  });

  it.each(['worker', 'worker/runs'])('a `%s` link is refused by name when a run starts on this computer, and nothing is written where it points', async (link) => {
    const t = await planted(link);
    await expect(t.call('jobs:start', { source: { kind: 'example', name: 'submissions-per-day' }, dataDir: t.root, worker: 'local' })).rejects.toMatchObject(refused(join(t.dataDir, link)));
    expect(await readdir(t.outside)).toEqual([]);
  });

  it('a `results` link: a run on this computer ends, its output stays in the run, and the message names the link', async () => {
    const t = await planted('results');
    const data = join(t.root, 'telemetry');
    await writeTelemetryData(data, [{ dims: ['saved-session', 'Firefox', 'release', '41.0', '20151001000000', '20261120'], payload: { info: { OS: 'Linux' } } }]);
    const started = await t.call('jobs:start', { source: { kind: 'example', name: 'submissions-per-day' }, filter: MATCH_ALL_FILTER, dataDir: data, mappers: 1 });
    let run = started;
    for (const until = Date.now() + 30_000; (run.status === 'running' || run.progress?.phase === 'download') && Date.now() < until; ) {
      await new Promise((done) => setTimeout(done, 100));
      run = await t.call('jobs:get', { runId: started.id });
    }
    expect(run.status, run.message).toBe('succeeded');
    expect(run.message).toContain(`The output stays on the worker: downloading it failed (${join(t.dataDir, 'results')} is a link (to ${t.outside})`);
    expect(await readdir(t.outside)).toEqual([]);
  });

  it('a `downloads` link is refused by name when a download goes to the default folder', async () => {
    const t = await planted('downloads');
    await expect(t.call('transfers:download', { workerId: 'ssh-0a1b2c3d', remotePaths: ['/srv/result.csv'] })).rejects.toMatchObject(refused(join(t.dataDir, 'downloads')));
    expect(await readdir(t.outside)).toEqual([]);
  });

  it('a `published/JOB` link planted after the schedule was made: its run writes nothing where it points', async () => {
    const t = await planted('elsewhere');
    const pkg = join(t.root, 'pkg');
    await mkdir(pkg);
    await writeFile(join(pkg, 'run.sh'), '#!/bin/sh\nset -e\nmkdir -p output\necho "day,count" > output/counts.csv\n');
    await chmod(join(pkg, 'run.sh'), 0o755);
    const tarball = join(t.root, 'job.tar.gz');
    await promisify(execFile)('tar', ['-czf', tarball, '-C', pkg, '.']);
    await t.call('schedules:create', { name: 'daily-counts', tarball, frequency: { kind: 'daily' }, timeoutMinutes: 5 });
    await rm(join(t.dataDir, 'published', 'daily-counts'), { recursive: true });
    await symlink(t.outside, join(t.dataDir, 'published', 'daily-counts'));
    await t.call('schedules:run-now', { name: 'daily-counts' });
    await expect.poll(async () => (await t.call('schedules:history', { name: 'daily-counts' })).some((r) => r.status === 'running'), { timeout: 20_000 }).toBe(false);
    expect(await readdir(t.outside)).toEqual([]);
  });
});

describe('the data dir itself', () => {
  it('a file where it belongs is refused by name', async () => {
    const root = await useTempDir('data-dir-file');
    await writeFile(join(root, 'data'), 'a file');
    for (const dataDir of [join(root, 'data'), join(root, 'data', 'inside')]) {
      await expect(createWorkbench({ dataDir, host: 'cli', resourcesDir: RESOURCES })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringMatching(new RegExp(`^The data directory ${dataDir} cannot be made: a file is in the way .*Move the file, or choose another folder with --data-dir\\.$`)),
      });
    }
  });
});
