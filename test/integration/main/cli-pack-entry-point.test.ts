import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
  return { code, lines };
}

/** A tarball of `files` made by GNU tar (not by the packer, which would bundle what is missing). */
async function tarOf(root: string, name: string, files: Record<string, { text: string; mode?: number }>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [path, { text, mode }] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
    await chmod(join(dir, path), mode ?? 0o644);
  }
  const tarball = join(root, `${name}.tar.gz`);
  await run('tar', ['czf', tarball, '-C', dir, ...Object.keys(files)]);
  return tarball;
}

const manifest = (command: string[]) => ({ text: JSON.stringify({ format: 'analysis-workbench-package', version: 1, name: 'job', command, outputDir: 'output' }) });
const RUNNER_CALL = '#!/bin/sh\nset -eu\nexec python3 -m mapreduce.job job.py --input-filter filter.json --data-dir "$DATA_DIR" --output "$OUTPUT_DIR/out.txt"\n';

describe('inspect flags a package whose entry point needs what it does not hold', () => {
  it('the runner: run.sh runs python3 -m mapreduce.job, and the package has no mapreduce/', async () => {
    const root = await useTempDir('inspect-runner');
    const app = ['--data-dir', join(root, 'app')];
    const tarball = await tarOf(root, 'no-runner', { 'run.sh': { text: RUNNER_CALL }, 'job.py': { text: 'pass\n' }, 'filter.json': { text: '{}\n' } });
    const found = await cli(['inspect', tarball, ...app]);
    expect(found.code).toBe(1);
    expect(found.lines).toContain(
      'cannot run: run.sh runs the map/reduce runner (python3 -m mapreduce.job), but the package holds no mapreduce/job.py: pack the folder again with the Packager or "workbench pack", which bundle the runner, or add the runner as mapreduce/.',
    );
    // A Test run refuses it up front, saying the same, instead of failing with "No module named 'mapreduce'".
    await expect(cli(['call', 'packager:test-run', JSON.stringify({ path: tarball }), ...app])).rejects.toThrow(/Refused to run no-runner\.tar\.gz: run\.sh runs the map\/reduce runner/);

    // The same files with the runner in mapreduce/ are clean.
    const withRunner = join(root, 'with-runner');
    await cp(join(root, 'no-runner'), withRunner, { recursive: true });
    await cp(resolve('resources/worker/mapreduce'), join(withRunner, 'mapreduce'), { recursive: true });
    await rm(join(withRunner, 'mapreduce', '__pycache__'), { recursive: true, force: true });
    await run('tar', ['czf', join(root, 'with-runner.tar.gz'), '-C', withRunner, '.']);
    const clean = await cli(['inspect', join(root, 'with-runner.tar.gz'), ...app]);
    expect(clean.lines.filter((l) => l.startsWith('cannot run') || l.startsWith('unsafe'))).toEqual([]);
    expect(clean.code).toBe(0);
  });

  it('the scripts the entry point names: the script a manifest runs, and the job script and filter run.sh names', async () => {
    const root = await useTempDir('inspect-scripts');
    const app = ['--data-dir', join(root, 'app')];
    const noScript = await tarOf(root, 'no-script', { 'workbench.json': manifest(['sh', 'start.sh']), 'run.sh': { text: 'echo unused\n' } });
    const one = await cli(['inspect', noScript, ...app]);
    expect(one.code).toBe(1);
    expect(one.lines).toContain('cannot run: The command (sh start.sh) runs start.sh, which is not in the package: add start.sh to the folder, or change the command, and pack again.');

    const runnerDir = { 'mapreduce/job.py': { text: 'pass\n' } };
    const noJob = await tarOf(root, 'no-job', { 'run.sh': { text: RUNNER_CALL }, ...runnerDir });
    const two = await cli(['inspect', noJob, ...app]);
    expect(two.code).toBe(1);
    expect(two.lines).toContain('cannot run: run.sh runs the map/reduce script job.py, which is not in the package: add job.py to the folder (check it is not unchecked or ignored) and pack again.');
    expect(two.lines).toContain('cannot run: run.sh reads its filter from filter.json, which is not in the package: add filter.json to the folder (check it is not unchecked or ignored) and pack again.');

    // Paths under the script's own folder ("$here/job.py"), as the examples' run.sh names them.
    const example = await readFile(resolve('resources/examples/os-distribution/run.sh'), 'utf8');
    const three = await cli(['inspect', await tarOf(root, 'example-no-job', { 'run.sh': { text: example, mode: 0o755 }, 'filter.json': { text: '{}\n' }, ...runnerDir }), ...app]);
    expect(three.lines.filter((l) => l.startsWith('cannot run'))).toEqual([
      'cannot run: run.sh runs the map/reduce script job.py, which is not in the package: add job.py to the folder (check it is not unchecked or ignored) and pack again.',
    ]);

    // A generated command wrapper's program.
    const four = await cli(['inspect', await tarOf(root, 'no-report', { 'run.sh': { text: "#!/bin/sh\nset -eu\ncd \"$(dirname \"$0\")\"\nexec python3 report.py --since '2026-01-01'\n" } }), ...app]);
    expect(four.lines).toContain('cannot run: run.sh runs report.py, which is not in the package: add report.py to the folder (check it is not unchecked or ignored) and pack again.');
  });

  it('an entry point run directly that is not executable, and a manifest that cannot be read', async () => {
    const root = await useTempDir('inspect-exec');
    const app = ['--data-dir', join(root, 'app')];
    const notExecutable = await tarOf(root, 'not-executable', { 'workbench.json': manifest(['./run.sh']), 'run.sh': { text: '#!/bin/sh\necho hi\n', mode: 0o644 } });
    const found = await cli(['inspect', notExecutable, ...app]);
    expect(found.code).toBe(1);
    expect(found.lines).toContain(
      'cannot run: The command (./run.sh) runs run.sh directly, but it is not executable (mode 644): make it executable (chmod +x run.sh) and pack again, or run it as "sh run.sh".',
    );
    const executable = await tarOf(root, 'executable', { 'workbench.json': manifest(['./run.sh']), 'run.sh': { text: '#!/bin/sh\necho hi\n', mode: 0o755 } });
    expect((await cli(['inspect', executable, ...app])).code).toBe(0);

    const badManifest = await tarOf(root, 'bad-manifest', { 'workbench.json': { text: '{"command": "sh run.sh"}' }, 'run.sh': { text: 'echo hi\n' } });
    expect((await cli(['inspect', badManifest, ...app])).lines).toContain(
      'cannot run: workbench.json is not a valid package manifest: rebuild the package with the Packager or "workbench pack", or remove workbench.json so that run.sh is the entry point',
    );
  });
});

describe('workbench pack with a generated run.sh', () => {
  async function jobFolder(root: string): Promise<string> {
    const dir = join(root, 'weekly');
    await mkdir(dir);
    for (const file of ['job.py', 'filter.json']) await cp(resolve('resources/examples/os-distribution', file), join(dir, file));
    return dir;
  }

  it('--mapreduce writes a run.sh that reads DATA_DIR and writes OUTPUT_DIR, runs bare from the tarball, and says what is missing', async () => {
    const root = await useTempDir('pack-mapreduce');
    const app = ['--data-dir', join(root, 'app')];
    const dir = await jobFolder(root);
    const data = join(root, 'data');
    await run('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', data, '--records', '200', '--seed', '3']);
    const tarball = join(root, 'weekly.tar.gz');
    const packed = await cli(['pack', dir, '-o', tarball, '--mapreduce', 'job.py', '--filter', 'filter.json', '--mappers', '2', '--reducers', '1', '--setup', 'echo "setting up in $PWD"', '--setup', 'echo second line', ...app]);
    expect(packed.code).toBe(0);
    const unpacked = join(root, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['xzf', tarball, '-C', unpacked]);
    const runSh = await readFile(join(unpacked, 'run.sh'), 'utf8');
    expect(runSh).toContain('--data-dir "$DATA_DIR"');
    expect(runSh).toContain('OUTPUT_DIR="${OUTPUT_DIR:-output}"');
    expect(runSh).toContain('echo "setting up in $PWD"\necho second line\n');
    expect(runSh).toContain('--num-mappers 2 --num-reducers 1');

    // Without DATA_DIR it stops before any setup line, saying what to set.
    const bare = await run('env', ['-i', 'PATH=/usr/bin:/bin', 'sh', 'run.sh'], { cwd: unpacked }).then(
      () => 'ran',
      (err: { stdout: string; stderr: string }) => `${err.stdout}${err.stderr}`,
    );
    expect(bare).toMatch(/DATA_DIR: set DATA_DIR to the data folder to read \(v2 layout\)/);
    expect(bare).not.toContain('setting up');

    const { stdout } = await run('env', ['-i', 'PATH=/usr/bin:/bin', `DATA_DIR=${data}`, 'sh', 'run.sh'], { cwd: unpacked });
    expect(stdout).toContain(`setting up in ${unpacked}`);
    expect(await readdir(join(unpacked, 'output'))).toEqual(['result.txt']);
    expect((await readFile(join(unpacked, 'output', 'result.txt'), 'utf8')).split('\n').length).toBeGreaterThan(2);

    // A literal folder stays possible, quoted.
    await cli(['pack', dir, '-o', join(root, 'literal.tar.gz'), '--mapreduce', 'job.py', '--data', "/srv/it's data", ...app]);
    expect((await run('tar', ['xzOf', join(root, 'literal.tar.gz'), 'run.sh'])).stdout).toContain("--data-dir '/srv/it'\\''s data'");

    // A script the folder does not hold is refused before anything is written.
    await expect(cli(['pack', dir, '-o', join(root, 'missing.tar.gz'), '--mapreduce', 'jobs/count.py', ...app])).rejects.toThrow(
      'The package would not run: run.sh runs the map/reduce script jobs/count.py, which is not in the package: add jobs/count.py to the folder (check it is not unchecked or ignored) and pack again.',
    );
    expect(await readdir(root)).not.toContain('missing.tar.gz');
  });

  it('--command runs a program with the setup lines first; a folder with its own mapreduce/ keeps it', async () => {
    const root = await useTempDir('pack-command');
    const app = ['--data-dir', join(root, 'app')];
    const dir = join(root, 'report');
    await mkdir(join(dir, 'mapreduce'), { recursive: true });
    await writeFile(join(dir, 'mapreduce', 'job.py'), '# my own runner\n');
    await writeFile(join(dir, 'report.py'), 'import os\nopen(os.path.join(os.environ["OUTPUT_DIR"], "report.txt"), "w").write("done\\n")\n');
    const tarball = join(root, 'report.tar.gz');
    expect((await cli(['pack', dir, '-o', tarball, '--command', 'python3 report.py', '--setup', 'echo ready', ...app])).code).toBe(0);
    const unpacked = join(root, 'unpacked');
    await mkdir(unpacked);
    await run('tar', ['xzf', tarball, '-C', unpacked]);
    expect((await run('env', ['-i', 'PATH=/usr/bin:/bin', 'sh', 'run.sh'], { cwd: unpacked })).stdout).toBe('ready\n');
    expect(await readFile(join(unpacked, 'output', 'report.txt'), 'utf8')).toBe('done\n');

    // Its own mapreduce/ stays as it is, with --mapreduce too.
    await writeFile(join(dir, 'job.py'), 'pass\n');
    await writeFile(join(dir, 'filter.json'), '{}\n');
    await cli(['pack', dir, '-o', join(root, 'own.tar.gz'), '--mapreduce', 'job.py', ...app]);
    const names = (await run('tar', ['tzf', join(root, 'own.tar.gz')])).stdout.trim().split('\n');
    expect(names.filter((n) => n.startsWith('mapreduce'))).toEqual(['mapreduce/', 'mapreduce/job.py']);
    expect((await run('tar', ['xzOf', join(root, 'own.tar.gz'), 'mapreduce/job.py'])).stdout).toBe('# my own runner\n');
  });

  it('bad options get a usage error that says what to fix', async () => {
    const root = await useTempDir('pack-usage');
    const app = ['--data-dir', join(root, 'app')];
    const dir = await jobFolder(root);
    const pack = (...more: string[]) => cli(['pack', dir, '-o', join(root, 'x.tar.gz'), ...more, ...app]);
    await expect(pack('--mapreduce', 'job.py', '--mappers', '0')).rejects.toThrow(/^--mappers must be a whole number from 1 to 256, such as --mappers 4 \(not "0"\)\./);
    await expect(pack('--mapreduce', 'job.py', '--reducers', 'two')).rejects.toThrow(/^--reducers must be a whole number from 1 to 256, such as --reducers 4 \(not "two"\)\./);
    await expect(pack('--mapreduce', 'job.py', '--filter', '../filter.json')).rejects.toThrow(/^--filter needs a relative path inside the package\./);
    await expect(pack('--mapreduce', 'job.py', '--data', '$HOME/data')).rejects.toThrow(/^--data needs a folder path without \$variables \(or none, to read DATA_DIR when the package runs\)\./);
    await expect(pack('--mapreduce', 'job.py', '--command', 'python3 x.py')).rejects.toThrow(/^Choose one entry point: --mapreduce SCRIPT or --command "WORDS", not both\./);
    await expect(pack('--mappers', '2')).rejects.toThrow(/^--mappers sets up a map\/reduce job: add --mapreduce SCRIPT \(such as --mapreduce job\.py\)\./);
    await expect(pack('--setup', 'pip install numpy')).rejects.toThrow(/^--setup lines go into a generated run\.sh: add --mapreduce SCRIPT or --command "WORDS"\./);
    await expect(pack('--command', '  ')).rejects.toThrow(/^--command needs the command to run/);
    await expect(pack('--name', 'my job')).rejects.toThrow(/^--name must be 1 to 128 letters, digits, "\.", "_" or "-", starting with a letter or digit, such as --name weekly-report \(not "my job"\)\./);
    await expect(pack('--mapreduce', 'job.py', '--data', '$DATA_DIR')).resolves.toMatchObject({ code: 0 });
    expect((await run('tar', ['xzOf', join(root, 'x.tar.gz'), 'run.sh'])).stdout).toContain('--data-dir "$DATA_DIR"');
  });
});
