import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { appDirWithSshWorker } from '../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { COUNT_BY_APP_JOB, sessionSubmissions, writeJobFolder, writeTelemetryData } from '../../fixtures/telemetry-data.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

describe('workbench run --engine', () => {
  const sshd = useSshd();
  let root: string;
  let appDir: string;

  beforeEach(async () => {
    root = await useTempDir('cli-run-spark');
    ({ appDir } = await appDirWithSshWorker(root, sshd, { workDir: join(sshd.dir, 'wb-spark') }));
    await writeTelemetryData(join(root, 'data'), sessionSubmissions(30));
    await writeJobFolder(join(root, 'job'), COUNT_BY_APP_JOB);
  });

  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['run', join(root, 'job'), '--mappers', '1', '--data-dir', appDir, ...args], {
      paths,
      runIo: { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    });
    return { code, stdout, stderr };
  }

  it('runs the job on Spark on this computer, with the same output', async () => {
    const out = join(root, 'out');
    const { code, stdout, stderr } = await run(['--local', '--engine', 'spark', '--data', join(root, 'data'), '--output', out]);
    expect(code, stderr + stdout).toBe(0);
    expect(stderr).toMatch(/^Run \S+ of job started, on Spark\.$/m);
    expect(stdout).toMatch(/Spark master local\[1\], 1 reducer/);
    expect(await readFile(join(out, 'job.txt'), 'utf8')).toBe('Fennec\t10\nFirefox\t20\n');
  }, 120_000);

  it('refuses an engine it does not know, saying the choices', async () => {
    await expect(run(['--local', '--engine', 'hadoop'])).rejects.toThrow('--engine must be local or spark, such as --engine spark (not "hadoop").');
  });

  it('refuses Spark on a worker without pyspark, saying what to install there', async () => {
    await expect(run(['--worker', 'box', '--engine', 'spark', '--data', '/tmp'])).rejects.toThrow(/box cannot run Spark jobs: its python3 has no pyspark .* python3 -m pip install --user pyspark==3\.5\.\d+$/);
  });
});
