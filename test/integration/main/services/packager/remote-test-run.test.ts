import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostileCases, writeRawTarGz } from '../../../../fixtures/hostile-tar.ts';
import { runEnd } from '../../../../fixtures/run-events.ts';
import { killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const sshd = useSshd();
const { tmp, worker, workbench } = useWorkbenchWithSshWorker(sshd, 'remote-test-run');
afterEach(() => killSshSessions(sshd));

const call = callerOf(() => workbench);

const finished = (runId: string) => runEnd(workbench, runId);

describe('test runs on an SSH worker', () => {
  it('copies the tarball alone, runs it there with run-job.sh and collects what it published', async () => {
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
    // Only the tarball went over.
    expect(await readdir(join(sshd.dir, 'wb', 'runs', done.id, 'in'))).toEqual(['pkg.tar.gz']);
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
