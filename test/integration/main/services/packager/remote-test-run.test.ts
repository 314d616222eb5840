import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import type { Run } from '../../../../../src/shared/model.ts';
import type { EventEnvelope } from '../../../../../src/shared/protocol.ts';
import type { WorkerInfo } from '../../../../../src/shared/worker-model.ts';
import { hostileCases, writeRawTarGz } from '../../../../fixtures/hostile-tar.ts';
import { killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { startSshd, type Sshd } from '../../../../fixtures/sshd.ts';
import { grantSshAccess } from '../../../../fixtures/ssh-worker-access.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

let sshd: Sshd;
let tmp: TempDir;
let workbench: Workbench;
let worker: WorkerInfo;

beforeAll(async () => {
  sshd = await startSshd();
});
afterAll(() => sshd?.stop());

beforeEach(async () => {
  tmp = await makeTempDir('remote-test-run');
  const appDir = join(tmp.path, 'app');
  await mkdir(appDir);
  await grantSshAccess(appDir, sshd);
  workbench = await createWorkbench({ dataDir: appDir, host: 'web', resourcesDir: resolve('resources') });
  worker = await call('workers:add-ssh', { name: 'box', host: 'box', workDir: join(sshd.dir, 'wb') });
});
afterEach(async () => {
  await workbench.close();
  await killSshSessions(sshd);
  await tmp.cleanup();
});

const call = callerOf(() => workbench);

async function finished(runId: string): Promise<Run> {
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`run ${runId} did not end in 30 s`)), 30_000);
    const subscriber = workbench.hub.connect((batch: EventEnvelope[]) => {
      const last = batch.map((e) => e.payload as Run).find((r) => r.status !== 'running');
      if (last) {
        clearTimeout(timer);
        subscriber.close();
        done(last);
      }
    });
    subscriber.subscribe({ topic: 'jobs:run', key: runId });
  });
}

describe('test runs on an SSH worker', () => {
  it('copies the tarball alone, unpacks it there with safe_extract.py and collects output/', async () => {
    const dir = join(tmp.path, 'pkg');
    await mkdir(dir);
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\nmkdir -p output\necho remote > output/where.txt\n');
    await writeFile(join(tmp.path, 'unrelated.txt'), 'not for the worker');
    const tarball = join(tmp.path, 'pkg.tar.gz');
    await call('packager:build', { buildId: 'remote-1', root: dir, output: tarball });
    const started = await call('packager:test-run', { path: tarball, worker: worker.id, timeoutMinutes: 1 });
    expect(started.worker).toBe(worker.id);
    const done = await finished(started.id);
    expect(done).toMatchObject({ status: 'succeeded', outputs: [{ name: 'where.txt', bytes: 7 }] });
    expect(await readFile(join(done.resultDir!, 'where.txt'), 'utf8')).toBe('remote\n');
    // Only the tarball went over, next to the unpacked code.
    expect(await readdir(join(sshd.dir, 'wb', 'runs', done.id, 'package'))).toEqual(['pkg.tar.gz']);
  });

  it('a hostile package is refused before the worker runs anything', async () => {
    const outside = join(tmp.path, 'outside');
    await mkdir(outside);
    const tarball = join(tmp.path, 'bad.tar.gz');
    await writeRawTarGz(tarball, [{ header: { name: 'run.sh' }, body: 'echo hi\n' }, ...hostileCases(outside)['symlink then a file written through it']!]);
    await expect(call('packager:test-run', { path: tarball, worker: worker.id })).rejects.toThrow(/Refused to run bad\.tar\.gz: link is a symbolic link pointing outside the package/);
    expect(await readdir(outside)).toEqual([]);
  });
});
