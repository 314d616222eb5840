import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { createWorkbench } from '../../../src/main/workbench.ts';
import type { WorkerInfo } from '../../../src/shared/worker-model.ts';
import { grantSshAccess } from '../../fixtures/ssh-worker-access.ts';
import { startSshd, type Sshd } from '../../fixtures/sshd.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { MATCH_ALL_FILTER, writeTelemetryData } from '../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };
const JOB = `
import sys

def map(key, dims, value, context):
    print("saw " + key, file=sys.stderr)
    context.write(dims[1], 1)

def reduce(key, values, context):
    context.write(key, sum(values))
`;

describe('workbench run --worker (against sshd)', () => {
  let sshd: Sshd;
  let root: string;
  let appDir: string;
  let worker: WorkerInfo;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());
  beforeEach(async () => {
    root = await useTempDir('cli-run-worker');
    appDir = join(root, 'app');
    await mkdir(appDir);
    await grantSshAccess(appDir, sshd);
    const workbench = await createWorkbench({ dataDir: appDir, host: 'cli', resourcesDir: paths.resourcesDir });
    const added = await workbench.dispatch('workers:add-ssh', { name: 'box', host: 'box', workDir: join(sshd.dir, 'wb-cli') });
    await workbench.close();
    if (!added.ok) throw new Error(added.error.message);
    worker = added.value as WorkerInfo;
    await writeTelemetryData(
      join(sshd.dir, 'cli-data'),
      Array.from({ length: 30 }, (_, i) => ({ dims: ['saved-session', i % 3 ? 'Firefox' : 'Fennec', 'release', '41.0', '20151001000000', '20261128'] as const, payload: { i } }) as never),
    );
    await mkdir(join(root, 'job'));
    await writeFile(join(root, 'job', 'job.py'), JOB);
    await writeFile(join(root, 'job', 'filter.json'), MATCH_ALL_FILTER);
  });

  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['run', join(root, 'job'), '--data', join(sshd.dir, 'cli-data'), '--mappers', '1', '--data-dir', appDir, ...args], {
      paths,
      runIo: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    });
    return { code, stdout, stderr };
  }

  it('streams the log, downloads the output into --output and exits with the job’s code', async () => {
    const out = join(root, 'results');
    const { code, stdout, stderr } = await run(['--worker', 'box', '--output', out]);
    expect(code, stderr).toBe(0);
    expect(stdout.split('\n').filter((l) => l.startsWith('saw '))).toHaveLength(30);
    expect(stderr).toMatch(/^Run \d{8}-\d{6}-[0-9a-f]{6} of job started on box\.$/m);
    const runId = /^Run (\S+) succeeded/m.exec(stderr)?.[1] ?? '';
    expect(runId).not.toBe('');
    expect(await readdir(out)).toEqual(['job.txt']);
    // Byte for byte what the worker wrote.
    expect(await readFile(join(out, 'job.txt'))).toEqual(await readFile(join(sshd.dir, 'wb-cli', 'runs', runId, 'output', 'job.txt')));
    expect(await readFile(join(out, 'job.txt'), 'utf8')).toBe('Fennec\t10\nFirefox\t20\n');
    expect(stderr).toContain(`${join(out, 'job.txt')} (21 bytes)`);
  });

  it('takes the worker id too, and a failing job’s exit code is the command’s', async () => {
    await writeFile(join(root, 'job', 'job.py'), 'import sys\nsys.exit(3)\n');
    const { code, stderr } = await run(['--worker', worker.id, '--output', join(root, 'out')]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/Run \S+ failed\./);
  });

  it('says which workers there are when the name is wrong', async () => {
    await expect(run(['--worker', 'nope'])).rejects.toThrow(/There is no worker "nope"\. Workers: box \(ssh-[a-z0-9]{8}\)\./);
    await expect(run([])).rejects.toThrow(/--local for this computer, or --worker NAME/);
  });
});
