import { resolve, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const sshd = useSshd();
const { tmp, worker, workbench } = useWorkbenchWithSshWorker(sshd, 'spark-schedule-worker');
afterEach(() => killSshSessions(sshd));

const call = callerOf(() => workbench);
const EXAMPLE = resolve('resources/examples/os-distribution');

async function pack(engine: 'local' | 'spark'): Promise<string> {
  const output = join(tmp.path, `os-${engine}.tar.gz`);
  await call('packager:build', { buildId: `build-${engine}`, root: EXAMPLE, output, wrapper: { job: { kind: 'mapreduce', engine } } });
  return output;
}

describe('a schedule of a Spark package on an SSH worker', () => {
  it('is refused when saved while the worker has no pyspark for its python3, saying what to install; a local-engine package is saved', async () => {
    // The sshd's python3 (this machine's, outside the repository's .venv) has no pyspark.
    await expect(call('schedules:create', { name: 'os-spark', tarball: await pack('spark'), frequency: { kind: 'daily' }, worker: worker.id })).rejects.toThrow(
      /^The worker \S+ cannot run Spark jobs: its python3 has no pyspark \(.*\)\. Install it there: python3 -m pip install --user pyspark==3\.5\.\d+$/,
    );
    expect((await call('schedules:list')).map((s) => s.name)).toEqual([]);
    await call('schedules:create', { name: 'os-local', tarball: await pack('local'), frequency: { kind: 'daily' }, worker: worker.id });
    expect((await call('schedules:list')).map((s) => s.name)).toEqual(['os-local']);
  });
});
