import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { makeTempDir, type TempDir } from '../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };
const EXAMPLES = ['os-distribution', 'submissions-per-day', 'slowsql', 'histogram-aggregation'];
/** The whole environment a package gets by hand: a PATH with Python 3, the data, the output folder. */
const MINIMAL_PATH = 'PATH=/usr/bin:/bin';

let temp: TempDir;
let root: string;
let dataDir: string;
const app = () => ['--data-dir', join(root, 'app')];

async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
  return { code, lines };
}

const shaOf = (lines: string[]) => lines.find((l) => l.startsWith('sha256 '))?.slice('sha256 '.length);

/** `env -i PATH=... DATA_DIR=... OUTPUT_DIR=... sh run.sh` in `cwd`: nothing else from this process. */
async function runBare(cwd: string, script: string, output: string): Promise<void> {
  await run('env', ['-i', MINIMAL_PATH, `DATA_DIR=${dataDir}`, `OUTPUT_DIR=${output}`, 'sh', script], { cwd, timeout: 120_000 });
}

/** Each output file's lines in byte order (reducers and mappers write in no set order), by file name. */
async function outputs(dir: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    found[name] = text
      .split('\n')
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .join('\n');
  }
  return found;
}

beforeAll(async () => {
  // Outside the repository: nothing of it (resources/worker) is within reach of ../../worker.
  temp = await makeTempDir('workbench-pack-examples');
  root = temp.path;
  dataDir = join(root, 'data');
  await run('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', dataDir, '--records', '500', '--seed', '16']);
});
afterAll(() => temp.cleanup());

describe('packed examples run anywhere with only Python 3', () => {
  for (const name of EXAMPLES) {
    it(`${name}: packed, unpacked with GNU tar and run bare, gives what it gives from the repository`, async () => {
      const fromRepo = join(root, name, 'repo-output');
      await runBare(resolve('resources/examples', name), 'run.sh', fromRepo);

      const tarball = join(root, name, `${name}.tar.gz`);
      const packed = await cli(['pack', resolve('resources/examples', name), '-o', tarball, ...app()]);
      expect(packed.code).toBe(0);
      const unpacked = join(root, name, 'unpacked');
      await mkdir(unpacked);
      await run('tar', ['xzf', tarball, '-C', unpacked]);
      expect((await readdir(unpacked)).sort()).toEqual(['README.md', 'filter.json', 'job.py', 'mapreduce', 'run.sh', 'workbench.json']);
      const fromPackage = join(root, name, 'package-output');
      await runBare(unpacked, 'run.sh', fromPackage);

      const expected = await outputs(fromRepo);
      expect(Object.keys(expected)).toHaveLength(1);
      expect(Object.values(expected)[0]!.split('\n').length).toBeGreaterThan(2);
      expect(await outputs(fromPackage)).toEqual(expected);
    });
  }

  it('run.sh of a package writes into output/ beside it when OUTPUT_DIR is not set', async () => {
    const tarball = join(root, 'default-output.tar.gz');
    expect((await cli(['pack', resolve('resources/examples/os-distribution'), '-o', tarball, ...app()])).code).toBe(0);
    const unpacked = join(root, 'default-output');
    await mkdir(unpacked);
    await run('tar', ['xzf', tarball, '-C', unpacked]);
    await run('env', ['-i', MINIMAL_PATH, `DATA_DIR=${dataDir}`, 'sh', join(unpacked, 'run.sh')], { cwd: root });
    expect(await readdir(join(unpacked, 'output'))).toEqual(['os-distribution.txt']);
  });
});

describe('the same package, whoever builds it and wherever its folder is', () => {
  it('builds the runner in reproducibly: two builds, the same SHA-256 and bytes', async () => {
    const a = await cli(['pack', resolve('resources/examples/slowsql'), '-o', join(root, 'slowsql-a.tar.gz'), ...app()]);
    const b = await cli(['pack', resolve('resources/examples/slowsql'), '-o', join(root, 'slowsql-b.tar.gz'), ...app()]);
    expect(shaOf(a.lines)).toMatch(/^[0-9a-f]{64}$/);
    expect(shaOf(b.lines)).toBe(shaOf(a.lines));
    expect(await readFile(join(root, 'slowsql-b.tar.gz'))).toEqual(await readFile(join(root, 'slowsql-a.tar.gz')));
    const { stdout } = await run('tar', ['tzf', join(root, 'slowsql-a.tar.gz')]);
    expect(stdout.split('\n')).toContain('mapreduce/job.py');
    expect(stdout).not.toMatch(/__pycache__|\.pyc/);
  });

  it('a renamed folder packed with --name gives the same SHA-256 as the original', async () => {
    const original = join(root, 'naming', 'os-distribution');
    const renamed = join(root, 'naming', 'os-distribution (copy 2)');
    await cp(resolve('resources/examples/os-distribution'), original, { recursive: true });
    await cp(resolve('resources/examples/os-distribution'), renamed, { recursive: true });
    const first = await cli(['pack', original, '-o', join(root, 'naming', 'first.tar.gz'), ...app()]);
    const second = await cli(['pack', renamed, '-o', join(root, 'naming', 'second.tar.gz'), '--name', 'os-distribution', ...app()]);
    expect(shaOf(second.lines)).toBe(shaOf(first.lines));
    const unnamed = await cli(['pack', renamed, '-o', join(root, 'naming', 'third.tar.gz'), ...app()]);
    expect(shaOf(unnamed.lines)).not.toBe(shaOf(first.lines));
    const { stdout } = await run('tar', ['xzOf', join(root, 'naming', 'third.tar.gz'), 'workbench.json']);
    expect(JSON.parse(stdout)).toMatchObject({ name: 'os-distribution-copy-2-' });
  });

  it('refuses to overwrite a tarball without --force, and replaces it with --force', async () => {
    const tarball = join(root, 'overwrite.tar.gz');
    await writeFile(tarball, 'an earlier build\n');
    await expect(cli(['pack', resolve('resources/examples/os-distribution'), '-o', tarball, ...app()])).rejects.toThrow(
      `${tarball} already exists: choose another file, or build again allowing it to be replaced (--force for workbench pack).`,
    );
    expect(await readFile(tarball, 'utf8')).toBe('an earlier build\n');
    const forced = await cli(['pack', resolve('resources/examples/os-distribution'), '-o', tarball, '--force', ...app()]);
    expect(forced.code).toBe(0);
    expect((await stat(tarball)).size).toBeGreaterThan(1000);
    expect(shaOf(forced.lines)).toBe((await run('sha256sum', [tarball])).stdout.split(' ')[0]);
  });
});
