import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import type { WorkerInfo } from '../../../src/shared/worker-model.ts';
import { appDirWithSshWorker } from '../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { COUNT_BY_APP_JOB, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

describe('workbench run --worker (against sshd)', () => {
  const sshd = useSshd();
  let root: string;
  let appDir: string;
  let worker: WorkerInfo;

  beforeEach(async () => {
    root = await useTempDir('cli-run-worker');
    ({ appDir, worker } = await appDirWithSshWorker(root, sshd, { workDir: join(sshd.dir, 'wb-cli') }));
    await writeTelemetryData(join(sshd.dir, 'cli-data'), sessionSubmissions(30));
    await writeJobFolder(join(root, 'job'), COUNT_BY_APP_JOB);
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
