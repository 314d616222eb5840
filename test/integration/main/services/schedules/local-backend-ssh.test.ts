import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const sshd = useSshd();
const { tmp, worker, workbench } = useWorkbenchWithSshWorker(sshd, 'schedules-ssh');
let tarball: string;

beforeEach(async () => {
  const pkg = join(tmp.path, 'pkg');
  await mkdir(pkg);
  await writeFile(join(pkg, 'run.sh'), '#!/bin/sh\nset -e\nmkdir -p output/by-day\necho "day,n" > output/by-day/counts.csv\necho "ran on $(hostname) as $WORKBENCH_JOB" \n');
  await chmod(join(pkg, 'run.sh'), 0o755);
  tarball = join(tmp.path, 'counts.tar.gz');
  await promisify(execFile)('tar', ['-czf', tarball, '-C', pkg, '.']);
});

const call = callerOf(() => workbench);

describe('local schedule backend on an SSH worker (OpenSSH sshd)', () => {
  it('runs run-job.sh on the worker through the job protocol and brings the output, log and record here', { timeout: 60_000 }, async () => {
    // Far in the future: only "run now" runs it during the test.
    await call('schedules:create', { name: 'counts', tarball, frequency: { kind: 'daily' }, startDate: '2099-01-01', worker: worker.id, timeoutMinutes: 5 });
    const { runId } = await call('schedules:run-now', { name: 'counts' });
    expect((await call('schedules:history', { name: 'counts' })).map((r) => r.status)).toEqual(['running']);
    await workbench.schedules.local.whenIdle();

    const [row] = await call('schedules:history', { name: 'counts' });
    expect(row).toMatchObject({ status: 'succeeded', runId, filesPublished: 1, bytesPublished: 6, scheduledFor: null });
    // Published on the worker by run-job.sh, then fetched to this computer.
    const here = join(tmp.path, 'app', 'published', 'counts');
    expect(await readFile(join(here, 'runs', runId, 'data', 'by-day', 'counts.csv'), 'utf8')).toBe('day,n\n');
    // The latest successful run's set is data/ here as on the worker.
    expect(await readFile(join(here, 'data', 'by-day', 'counts.csv'), 'utf8')).toBe('day,n\n');
    expect(await readFile(join(sshd.dir, 'wb', 'published', 'counts', 'data', 'by-day', 'counts.csv'), 'utf8')).toBe('day,n\n');
    expect(JSON.parse(await readFile(join(sshd.dir, 'wb', 'published', 'counts', 'runs', `${runId}.json`), 'utf8'))).toMatchObject({ runId, status: 'succeeded' });
    expect(row?.output).toBe(join(here, 'runs', runId, 'data') + '/');
    const log = await call('schedules:log', { name: 'counts', runId });
    expect(log.text).toContain('ran on');
    expect(log.text).toContain('as counts');
  });
});
