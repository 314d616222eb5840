import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

describe('workbench schedule (local backend, the real run-job.sh)', () => {
  async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
    return { code, lines };
  }

  it('creates a schedule from a packaged example, lists it, runs it now, shows its history and deletes it', async () => {
    const root = await useTempDir('cli-schedule');
    const data = ['--data-dir', join(root, 'app')];
    const sample = await cli(['sample-data', '--size-mb', '1', ...data]);
    // The size asked for is the records' uncompressed size, and the line says both.
    expect(sample.lines.at(-1)).toMatch(/^\d+ files, [\d.]+ MB compressed \(1\.0 MB of records uncompressed\), in /);
    const tarball = join(root, 'os-distribution.tar.gz');
    expect((await cli(['pack', resolve('resources/examples/os-distribution'), '-o', tarball, ...data])).code).toBe(0);

    const created = await cli(['schedule', 'create', 'os-weekly', '--tarball', tarball, '--frequency', 'weekly', '--day', '0', '--time', '06:30', '--timeout', '10', ...data]);
    expect(created.code).toBe(0);
    expect(created.lines[0]).toMatch(/^Scheduled os-weekly: weekly on Sunday at 06:30 UTC, next run \d{4}-\d{2}-\d{2} 06:30 UTC\.$/);

    const listed = await cli(['schedule', 'list', ...data]);
    expect(listed.lines).toHaveLength(1);
    expect(listed.lines[0]).toMatch(/^os-weekly +weekly on Sunday at 06:30 UTC +next \d{4}-\d{2}-\d{2} 06:30 UTC +local \(local\)$/);

    const ran = await cli(['schedule', 'run-now', 'os-weekly', ...data]);
    expect(ran.code).toBe(0);
    expect(ran.lines[0]).toMatch(/^succeeded +\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC +\d+s +\d+ B +\d{8}-\d{6}-[0-9a-f]{6}$/);
    // Each run's output stands in a folder of its own, named by the run id the line ends with,
    // and data/ holds the latest successful run's set.
    const runId = ran.lines[0]!.split(/ +/).at(-1)!;
    const output = await readFile(join(root, 'app', 'published', 'os-weekly', 'runs', runId, 'data', 'os-distribution.txt'), 'utf8');
    expect(await readFile(join(root, 'app', 'published', 'os-weekly', 'data', 'os-distribution.txt'), 'utf8')).toBe(output);
    expect(output.split('\n').length).toBeGreaterThan(1);

    const history = JSON.parse((await cli(['schedule', 'history', 'os-weekly', '--json', ...data])).lines.join('\n')) as { status: string; bytesPublished: number; log: string }[];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ status: 'succeeded', bytesPublished: Buffer.byteLength(output) });
    expect(history[0]?.log).toMatch(/published\/os-weekly\/logs\/\d{8}-\d{6}-[0-9a-f]{6}\.log\.gz$/);

    await expect(cli(['schedule', 'delete', 'os-weekly', ...data])).rejects.toThrow(/add --yes to confirm/);
    expect((await cli(['schedule', 'delete', 'os-weekly', '--yes', ...data])).lines).toEqual(['Deleted os-weekly.']);
    expect((await cli(['schedule', 'list', ...data])).lines).toEqual(['No schedules.']);
  });

  it('bad input gets a clear message naming what to fix', async () => {
    const root = await useTempDir('cli-schedule-bad');
    const data = ['--data-dir', join(root, 'app')];
    const create = (...more: string[]) => cli(['schedule', 'create', ...more, ...data]);
    await expect(create('my job', '--tarball', '/x.tar.gz', '--frequency', 'daily')).rejects.toThrow(/^schedules:create: name: a short slug: lower-case letters, digits and "-" \(no spaces or quotes\)/);
    await expect(create('ok', '--tarball', '/x.tar.gz', '--frequency', 'monthly')).rejects.toThrow(/A monthly schedule needs --day 1-31\./);
    await expect(create('ok', '--tarball', '/x.tar.gz', '--frequency', 'monthly', '--day', '32')).rejects.toThrow(/frequency\.dayOfMonth: a day of month 1 to 31/);
    await expect(create('ok', '--tarball', '/x.tar.gz', '--frequency', 'daily', '--timeout', '2000')).rejects.toThrow(/timeoutMinutes: a timeout of at most 1440 minutes/);
    await expect(create('ok', '--tarball', '/x.tar.gz', '--frequency', 'daily', '--backend', 'gcp')).rejects.toThrow(/^--backend must be aws or local, not "gcp"\.$/);
    await expect(create('ok', '--tarball', join(root, 'none.tar.gz'), '--frequency', 'daily')).rejects.toThrow(/none\.tar\.gz cannot be read \(ENOENT\); build it in the Packager or choose another file/);
    await expect(cli(['schedule', 'history', 'nope', ...data])).rejects.toThrow('There is no schedule named nope.');
  });

  it("runs a package its own way when no --command is given, and refuses at create a package whose own entry point cannot run", async () => {
    const root = await useTempDir('cli-schedule-entry');
    const data = ['--data-dir', join(root, 'app')];
    // run.sh not executable: the package's own command (sh run.sh) runs it all the same.
    const job = join(root, 'hello');
    await mkdir(job);
    await writeFile(join(job, 'run.sh'), 'echo "hello from $(basename "$PWD")" > "$OUTPUT_DIR/hello.txt"\n', { mode: 0o644 });
    const tarball = join(root, 'hello.tar.gz');
    expect((await cli(['pack', job, '-o', tarball, '--name', 'hello', ...data])).code).toBe(0);
    expect((await cli(['schedule', 'create', 'hello', '--tarball', tarball, '--frequency', 'daily', ...data])).code).toBe(0);
    const listed = JSON.parse((await cli(['schedule', 'list', '--json', ...data])).lines.join('\n')) as { command: string; outputDir: string }[];
    expect(listed[0]).toMatchObject({ command: 'sh run.sh', outputDir: 'output' });
    const ran = await cli(['schedule', 'run-now', 'hello', ...data]);
    expect(ran.lines[0]).toMatch(/^succeeded /);
    const runId = ran.lines[0]!.split(/ +/).at(-1)!;
    expect(await readFile(join(root, 'app', 'published', 'hello', 'runs', runId, 'data', 'hello.txt'), 'utf8')).toMatch(/^hello from /);

    // A run.sh that calls the map/reduce runner in a tarball without it: refused now, not at every run.
    const bare = join(root, 'bare');
    await mkdir(bare);
    await writeFile(join(bare, 'run.sh'), 'python3 -m mapreduce.job job.py --input-filter filter.json --data-dir "$DATA_DIR" --output "$OUTPUT_DIR/out.txt"\n');
    await writeFile(join(bare, 'job.py'), 'def map(k, d, v, cx):\n    cx.write(k, 1)\n');
    const bareTarball = join(root, 'bare.tar.gz');
    execFileSync('tar', ['czf', bareTarball, '-C', bare, 'run.sh', 'job.py']);
    await expect(cli(['schedule', 'create', 'bare', '--tarball', bareTarball, '--frequency', 'daily', ...data])).rejects.toThrow(/The code tarball was not saved: .*bare\.tar\.gz is not a package that can run: .*mapreduce.*Fix the job folder, build the package again in Package/);
    expect((await cli(['schedule', 'list', ...data])).lines.some((line) => line.startsWith('bare '))).toBe(false);
  });

  it('--data-dir without a folder is refused, never read as the default data folder', async () => {
    const root = await useTempDir('cli-data-dir');
    // Where the default folder would be: this test must not act on anyone's real data.
    const xdg = process.env['XDG_DATA_HOME'];
    process.env['XDG_DATA_HOME'] = join(root, 'default');
    try {
      await expect(cli(['schedule', 'delete', 'os-weekly', '--yes', '--data-dir'])).rejects.toThrow(/^--data-dir needs a folder, such as --data-dir ~\/analysis\.$/);
      await expect(cli(['schedule', 'list', '--data-dir', '--json'])).rejects.toThrow('--data-dir needs a folder, such as --data-dir ~/analysis (not "--json"; write ./--json for a folder of that name).');
      await expect(cli(['run', 'example:os-distribution', '--local', '--data-dir'])).rejects.toThrow(/--data-dir needs a folder/);
      await expect(cli(['pack', 'x', '-o', 'y.tar.gz', '--data-dir'])).rejects.toThrow(/--data-dir needs a folder/);
    } finally {
      if (xdg === undefined) delete process.env['XDG_DATA_HOME'];
      else process.env['XDG_DATA_HOME'] = xdg;
    }
  });
});
