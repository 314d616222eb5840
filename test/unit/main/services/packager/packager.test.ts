import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { EventBus } from '../../../../../src/main/bus.ts';
import { PackagerService } from '../../../../../src/main/services/packager/packager-service.ts';
import type { WorkbenchError } from '../../../../../src/shared/errors.ts';
import type { PackProgress } from '../../../../../src/shared/packager-model.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const RUNNER = join(__dirname, '../../../../../resources/worker/mapreduce');

function packager(bus = new EventBus()): PackagerService {
  return new PackagerService({ bus, runnerDir: RUNNER });
}

async function jobFolder(root: string): Promise<string> {
  const dir = join(root, 'my-job');
  await mkdir(join(dir, 'lib'), { recursive: true });
  await writeFile(join(dir, 'job.py'), 'def map(k, d, v, c):\n    c.write(d[0], 1)\n');
  await writeFile(join(dir, 'filter.json'), '{"version": 1, "dimensions": []}\n');
  await writeFile(join(dir, 'lib', 'util.py'), 'X = 1\n');
  await writeFile(join(dir, 'run.sh'), '#!/bin/sh\nmkdir -p output\necho done > output/result.txt\n');
  await chmod(join(dir, 'run.sh'), 0o700);
  for (const ignored of ['.git', 'node_modules/pkg', '__pycache__', 'output', '.venv/bin']) await mkdir(join(dir, ignored), { recursive: true });
  await writeFile(join(dir, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  await writeFile(join(dir, 'node_modules', 'pkg', 'index.js'), 'x');
  await writeFile(join(dir, '__pycache__', 'job.cpython-311.pyc'), 'x');
  await writeFile(join(dir, 'lib', 'util.pyc'), 'x');
  await writeFile(join(dir, 'output', 'old.txt'), 'stale');
  return dir;
}

const build = (p: PackagerService, root: string, output: string, extra: object = {}) => p.build({ buildId: `b-${Math.random().toString(16).slice(2, 10)}`, root, output, ...extra });

describe('scanning a folder', () => {
  it('applies the default ignores and .workbenchignore, and reports the total live as paths are unchecked', async () => {
    const dir = await jobFolder(await useTempDir());
    await writeFile(join(dir, 'big.csv'), 'a,b\n'.repeat(1000));
    await writeFile(join(dir, 'keep.csv'), 'k\n');
    await writeFile(join(dir, '.workbenchignore'), '# data stays out\n*.csv\n!keep.csv\n');
    const p = packager();
    const scan = await p.scan({ root: dir });
    const node = (path: string) => scan.nodes.find((n) => n.path === path);
    expect(node('.git')?.ignored).toBe('default rule (.git/)');
    expect(node('node_modules')?.ignored).toBe('default rule (node_modules/)');
    expect(node('__pycache__')?.ignored).toMatch(/default/);
    expect(node('output')?.ignored).toMatch(/output/);
    expect(node('.venv')?.ignored).toMatch(/\.venv/);
    expect(node('lib/util.pyc')?.ignored).toMatch(/\*\.pyc/);
    expect(node('big.csv')?.ignored).toBe('.workbenchignore: *.csv');
    expect(node('keep.csv')?.ignored).toBeUndefined();
    // Ignored folders are not entered.
    expect(node('node_modules/pkg/index.js')).toBeUndefined();
    const files = ['.workbenchignore', 'filter.json', 'job.py', 'keep.csv', 'lib/util.py', 'run.sh'];
    expect(scan.files).toBe(files.length);
    const lib = node('lib')!;
    expect(lib.bytes).toBe(6);

    const less = await p.scan({ root: dir, excluded: ['lib'] });
    expect(less.files).toBe(files.length - 1);
    expect(less.bytes).toBe(scan.bytes - 6);
    expect(less.nodes.find((n) => n.path === 'lib/util.py')?.excluded).toBe(true);
  });
});

describe('building a tarball', () => {
  it('gives the same bytes for the same inputs, with normalised owners, times and modes (checked with tar tzvf)', async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    const p = packager();
    const a = await build(p, dir, join(root, 'a.tar.gz'));
    // Touch every file: new times, same content.
    execFileSync('touch', ['-d', '2031-05-05', join(dir, 'job.py'), join(dir, 'lib', 'util.py')]);
    const b = await build(p, dir, join(root, 'b.tar.gz'));
    expect(b.sha256).toBe(a.sha256);
    expect(await readFile(join(root, 'b.tar.gz'))).toEqual(await readFile(join(root, 'a.tar.gz')));
    expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    const listing = execFileSync('tar', ['tzvf', join(root, 'a.tar.gz'), '--numeric-owner'], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } }).trim().split('\n');
    expect(listing.map((line) => line.split(/\s+/).slice(5).join(' '))).toEqual([
      'filter.json',
      'job.py',
      'lib/',
      'lib/util.py',
      'run.sh',
      'workbench.json',
    ]);
    for (const line of listing) expect(line).toMatch(/^[-d]rw[-x]r-[-x]r-[-x] 0\/0 +\d+ 2000-01-01 00:00 /);
    expect(listing.find((l) => l.endsWith(' run.sh'))).toMatch(/^-rwxr-xr-x/);
    expect(listing.find((l) => l.endsWith(' job.py'))).toMatch(/^-rw-r--r--/);
    // The gzip header carries no file name and no time.
    const gz = await readFile(join(root, 'a.tar.gz'));
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[3]! & 0x08).toBe(0);
    expect(JSON.parse(execFileSync('tar', ['xzOf', join(root, 'a.tar.gz'), 'workbench.json'], { encoding: 'utf8' }))).toEqual({
      format: 'analysis-workbench-package',
      version: 1,
      name: 'my-job',
      command: ['sh', 'run.sh'],
      outputDir: 'output',
    });
  });

  it('reports progress ending in done, and a cancelled build leaves no file', async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    await writeFile(join(dir, 'data.bin'), Buffer.alloc(64 * 1024 * 1024, 7));
    const bus = new EventBus();
    const seen: PackProgress[] = [];
    const stop = bus.on('packager:progress', (progress) => seen.push(progress), 'build-1');
    const p = packager(bus);
    const done = await p.build({ buildId: 'build-1', root: dir, output: join(root, 'ok.tar.gz') });
    // The bus delivers at once: the last event is in before the build's answer, and none follows it.
    expect(seen.at(-1)).toMatchObject({ state: 'done', bytesDone: seen.at(-1)!.bytesTotal, filesDone: done.files, filesTotal: done.files });
    const atAnswer = seen.length;

    const cancelled = p.build({ buildId: 'build-2', root: dir, output: join(root, 'cancelled.tar.gz') });
    await new Promise((r) => setTimeout(r, 30));
    expect(p.cancel('build-2')).toBe(true);
    await expect(cancelled).rejects.toThrow('Packing was cancelled.');
    expect(execFileSync('ls', [root], { encoding: 'utf8' })).not.toMatch(/cancelled/);
    expect(seen).toHaveLength(atAnswer);
    stop();
  });

  it('generates run.sh with every value quoted, bundles the runner, and stores the command', async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    const p = packager();
    const wrapper = { setup: 'pip install --user numpy', job: { kind: 'mapreduce' as const, script: 'job.py', filter: 'filter.json', dataDir: "/data/it's here; rm -rf ~", mappers: 3, reducers: 2 } };
    const text = p.generateWrapper(wrapper);
    expect(text.runSh).toContain("--data-dir '/data/it'\\''s here; rm -rf ~'");
    expect(text.runSh).toContain('pip install --user numpy');
    expect(text.runSh).toContain('--num-mappers 3 --num-reducers 2');
    const dataDir = execFileSync('sh', ['-c', `${text.runSh.split('\n').find((l) => l.startsWith('exec '))!.replace(/^exec python3/, 'printf "%s\\n"')}`], { encoding: 'utf8' });
    expect(dataDir.split('\n')).toContain("/data/it's here; rm -rf ~");
    await build(p, dir, join(root, 'w.tar.gz'), { wrapper });
    const names = execFileSync('tar', ['tzf', join(root, 'w.tar.gz')], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('mapreduce/job.py');
    expect(names.some((n) => n.includes('__pycache__'))).toBe(false);
    expect(execFileSync('tar', ['xzOf', join(root, 'w.tar.gz'), 'run.sh'], { encoding: 'utf8' })).toBe(text.runSh);
  });

  it('refuses links out of the package, absolute links and FIFOs, naming each; packs links to files inside as copies', async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    await writeFile(join(root, 'secret.txt'), 'outside');
    await symlink('../secret.txt', join(dir, 'out-link'));
    await symlink(join(dir, 'job.py'), join(dir, 'abs-link'));
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    const server = createServer();
    await new Promise<void>((done) => server.listen(join(dir, 'sock'), done));
    onTestFinished(() => new Promise<void>((done) => server.close(() => done())));
    const p = packager();
    const attempt = build(p, dir, join(root, 'x.tar.gz'));
    await expect(attempt).rejects.toThrow(/out-link is a symbolic link pointing outside the package \(\.\.\/secret\.txt\)/);
    await expect(attempt).rejects.toThrow(/abs-link is a symbolic link to an absolute path/);
    await expect(attempt).rejects.toThrow(/pipe is a device, FIFO or socket/);
    await expect(attempt).rejects.toThrow(/sock is a device, FIFO or socket/);
    const scan = await p.scan({ root: dir, excluded: ['out-link', 'abs-link', 'pipe', 'sock'] });
    expect(scan.problems).toEqual([]);
    await symlink('job.py', join(dir, 'alias.py'));
    await build(p, dir, join(root, 'x.tar.gz'), { excluded: ['out-link', 'abs-link', 'pipe', 'sock'] });
    expect(execFileSync('tar', ['tzvf', join(root, 'x.tar.gz')], { encoding: 'utf8' })).toMatch(/^-rw-r--r-- .* alias\.py$/m);
  });

  it('finds likely secrets and blocks until each is unchecked or overridden', async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    await mkdir(join(dir, '.aws'));
    await writeFile(join(dir, '.aws', 'credentials'), '[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n');
    await mkdir(join(dir, '.ssh'));
    await writeFile(join(dir, '.ssh', 'config'), 'Host x\n');
    await writeFile(join(dir, 'deploy_key'), '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n');
    await writeFile(join(dir, '.env'), 'DEBUG=1\nAPI_TOKEN=abc123\n');
    await writeFile(join(dir, 'settings.py'), '# key\nKEY_ID = "AKIAIOSFODNN7EXAMPLE"\n');
    const p = packager();
    const scan = await p.scan({ root: dir });
    const kinds = scan.secrets.map((s) => `${s.path}: ${s.kind}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        '.aws/credentials: an AWS credentials file',
        '.aws/credentials: an AWS access key id',
        '.aws/credentials: an AWS secret access key',
        '.ssh/config: a file from an .ssh folder',
        'deploy_key: a private key',
        '.env: a secret in an env file (API_TOKEN)',
        'settings.py: an AWS access key id',
      ]),
    );
    expect(kinds.some((k) => k.startsWith('filter.json') || k.startsWith('job.py'))).toBe(false);
    expect(scan.secrets.find((s) => s.path === 'settings.py')?.line).toBe(2);
    await expect(build(p, dir, join(root, 's.tar.gz'))).rejects.toThrow(/Likely secrets in the package: .*deploy_key \(a private key\)/);
    // Removing some and overriding the rest lets it through.
    await build(p, dir, join(root, 's.tar.gz'), { excluded: ['.aws', '.ssh', 'deploy_key', '.env'], overrides: ['settings.py'] });
    expect(execFileSync('tar', ['tzf', join(root, 's.tar.gz')], { encoding: 'utf8' })).toContain('settings.py');
  });

  it('refuses a package without an entry point, or saved inside the folder it packs', async () => {
    const root = await useTempDir();
    const dir = join(root, 'bare');
    await mkdir(dir);
    await writeFile(join(dir, 'job.py'), '');
    const p = packager();
    await expect(build(p, dir, join(root, 'x.tar.gz'))).rejects.toThrow('The package has no entry point');
    await expect(build(p, dir, join(dir, 'x.tar.gz'))).rejects.toThrow('Save the tarball outside the folder being packed.');
  });
});

describe('what a package needs to run anywhere', () => {
  it('a map/reduce wrapper reads DATA_DIR unless a folder is named, and writes into OUTPUT_DIR', async () => {
    const p = packager();
    for (const dataDir of [undefined, '', '  ', '$DATA_DIR', '${DATA_DIR}']) {
      const { runSh } = p.generateWrapper({ job: { kind: 'mapreduce', ...(dataDir !== undefined && { dataDir }) } });
      expect(runSh, String(dataDir)).toContain('--data-dir "$DATA_DIR" --output "$OUTPUT_DIR"/result.txt');
      // Checked before the setup lines run, with what to set.
      expect(runSh.indexOf(': "${DATA_DIR:?set DATA_DIR to the data folder to read (v2 layout)}"')).toBeLessThan(runSh.indexOf('# --- setup ---'));
      expect(runSh).toContain('OUTPUT_DIR="${OUTPUT_DIR:-output}"');
    }
    const literal = p.generateWrapper({ job: { kind: 'mapreduce', dataDir: '/srv/data' } }).runSh;
    expect(literal).toContain('--data-dir /srv/data --output');
    expect(literal).not.toContain('DATA_DIR:?');
    expect(() => p.generateWrapper({ job: { kind: 'mapreduce', dataDir: '$HOME/data' } })).toThrow(/a folder path without \$variables/);
  });

  it('refuses to replace an existing tarball unless forced, and never replaces a folder', async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    const p = packager();
    const output = join(root, 'job.tar.gz');
    await writeFile(output, 'mine');
    const refused = await build(p, dir, output).catch((err: WorkbenchError) => err);
    expect(refused).toMatchObject({ code: 'CONFLICT', message: `${output} already exists: choose another file, or build again allowing it to be replaced (--force for workbench pack).` });
    expect(await readFile(output, 'utf8')).toBe('mine');
    await build(p, dir, output, { force: true });
    expect(execFileSync('tar', ['tzf', output], { encoding: 'utf8' })).toContain('workbench.json');
    await mkdir(join(root, 'folder.tar.gz'));
    await expect(build(p, dir, join(root, 'folder.tar.gz'), { force: true })).rejects.toThrow(`${join(root, 'folder.tar.gz')} exists and is not a file; choose another name for the tarball.`);
  });

  it("bundles the runner for a folder whose own run.sh runs it, and keeps a folder's own mapreduce/", async () => {
    const root = await useTempDir();
    const dir = await jobFolder(root);
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n# python3 -m mapreduce.job is mentioned here only\nexec python3 -m mapreduce.job job.py -f filter.json -d "$DATA_DIR" -o "$OUTPUT_DIR/x.txt"\n');
    const p = packager();
    await build(p, dir, join(root, 'bundled.tar.gz'));
    const names = execFileSync('tar', ['tzf', join(root, 'bundled.tar.gz')], { encoding: 'utf8' }).split('\n');
    expect(names).toEqual(expect.arrayContaining(['mapreduce/', 'mapreduce/__init__.py', 'mapreduce/job.py']));
    expect(names.some((n) => n.includes('__pycache__') || n.endsWith('.pyc'))).toBe(false);

    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n# python3 -m mapreduce.job is mentioned here only\necho hi\n');
    await build(p, dir, join(root, 'plain.tar.gz'));
    expect(execFileSync('tar', ['tzf', join(root, 'plain.tar.gz')], { encoding: 'utf8' })).not.toContain('mapreduce/');
  });
});
