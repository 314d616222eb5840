import { execFile } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };
const EXAMPLE = resolve('resources/examples/os-distribution');

async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
  return { code, lines };
}

describe('workbench pack --engine', () => {
  it('packs a map/reduce job that runs on Spark, and inspect says Engine: Spark', async () => {
    const root = await useTempDir('workbench-cli-pack-engine');
    const app = ['--data-dir', join(root, 'app')];
    const tarball = join(root, 'os-spark.tar.gz');
    expect((await cli(['pack', EXAMPLE, '-o', tarball, '--mapreduce', 'job.py', '--engine', 'spark', ...app])).code).toBe(0);
    const inspected = await cli(['inspect', tarball, ...app]);
    expect(inspected.code).toBe(0);
    expect(inspected.lines).toContain('Engine: Spark');
    // The package's run.sh hands the job to the runner on Spark.
    const unpacked = join(root, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['xzf', tarball, '-C', unpacked]);
    expect(await readFile(join(unpacked, 'run.sh'), 'utf8')).toMatch(/^exec python3 -m mapreduce\.job job\.py .* --engine spark$/m);

    const localTarball = join(root, 'os-local.tar.gz');
    expect((await cli(['pack', EXAMPLE, '-o', localTarball, '--mapreduce', 'job.py', ...app])).code).toBe(0);
    expect((await cli(['inspect', localTarball, ...app])).lines).toContain('Engine: Local processes');
  });

  it('refuses an engine it does not know, naming the choices, and --engine without --mapreduce', async () => {
    const root = await useTempDir('workbench-cli-pack-engine');
    const app = ['--data-dir', join(root, 'app')];
    await expect(cli(['pack', EXAMPLE, '-o', join(root, 'x.tar.gz'), '--mapreduce', 'job.py', '--engine', 'flink', ...app])).rejects.toThrow('--engine must be local or spark, such as --engine spark (not "flink").');
    await expect(cli(['pack', EXAMPLE, '-o', join(root, 'x.tar.gz'), '--engine', 'spark', ...app])).rejects.toThrow('--engine sets up a map/reduce job: add --mapreduce SCRIPT (such as --mapreduce job.py).');
  });

  it('--help tells of --engine', async () => {
    const lines: string[] = [];
    await runCli(['pack', '--help'], { paths, out: (line) => lines.push(line) });
    expect(lines.join('\n')).toMatch(/--engine local\|spark +local: the runner's own processes \(default\); spark: Apache Spark/);
  });
});
