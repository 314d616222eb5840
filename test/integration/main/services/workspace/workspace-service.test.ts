import { chmod, mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExampleCatalog } from '../../../../../src/main/services/jobs/examples.ts';
import { FolderWatcher } from '../../../../../src/main/services/workspace/watcher.ts';
import { checkPython } from '../../../../../src/main/services/workspace/python-check.ts';
import { WorkspaceService } from '../../../../../src/main/services/workspace/workspace-service.ts';
import { createWorkbench } from '../../../../../src/main/workbench.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const RESOURCES = resolve(__dirname, '../../../../../resources');
const open: WorkspaceService[] = [];
afterEach(() => {
  for (const service of open.splice(0)) service.closeAll();
});

async function setup() {
  const base = await useTempDir('workspace-service');
  const changes: { root: string; paths: string[] }[] = [];
  const waiters: (() => void)[] = [];
  const service = new WorkspaceService({
    workspacesDir: join(base, 'workspaces'),
    examples: new ExampleCatalog(join(RESOURCES, 'examples')),
    changed: (root, paths) => {
      changes.push({ root, paths });
      for (const wake of waiters.splice(0)) wake();
    },
  });
  open.push(service);
  /** Resolves with the first change batch naming `path` (the watcher's event, no sleeping). */
  const changeOf = (path: string) =>
    new Promise<string[]>((done) => {
      const look = () => {
        const hit = changes.find((c) => c.paths.includes(path));
        if (hit) done(hit.paths);
        else waiters.push(look);
      };
      look();
    });
  return { base, service, changes, changeOf };
}

describe('WorkspaceService on real files', () => {
  it('makes a new job from the template, lists it, and refuses the same name twice', async () => {
    const { service } = await setup();
    const ws = await service.newJob('my job', { kind: 'template' });
    expect(ws.name).toBe('my job');
    expect(ws.entries.map((e) => e.path)).toEqual(['filter.json', 'job.py', 'run.sh']);
    expect((await stat(join(ws.root, 'run.sh'))).mode & 0o111).not.toBe(0);
    expect(JSON.parse(await readFile(join(ws.root, 'filter.json'), 'utf8')).dimensions).toHaveLength(6);
    expect((await service.list()).map((w) => w.name)).toEqual(['my job']);
    await expect(service.newJob('my job', { kind: 'template' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('already exists') });
  });

  it('makes a new job from an example, without its output or caches', async () => {
    const { service } = await setup();
    const ws = await service.newJob('slow', { kind: 'example', name: 'slowsql' });
    const files = ws.entries.map((e) => e.path);
    expect(files).toEqual(expect.arrayContaining(['job.py', 'filter.json', 'run.sh', 'README.md']));
    expect(files.some((f) => f.includes('__pycache__') || f.startsWith('output'))).toBe(false);
    expect(await readFile(join(ws.root, 'job.py'), 'utf8')).toBe(await readFile(join(RESOURCES, 'examples', 'slowsql', 'job.py'), 'utf8'));
    await expect(service.newJob('x', { kind: 'example', name: 'no-such-example' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('writes atomically: new content, permissions kept, no temp file left behind', async () => {
    const { service } = await setup();
    const ws = await service.newJob('atomic', { kind: 'template' });
    await chmod(join(ws.root, 'run.sh'), 0o750);
    const written = await service.write(ws.root, 'run.sh', '#!/bin/sh\necho hi\n');
    expect(written.size).toBe(18);
    expect(await readFile(join(ws.root, 'run.sh'), 'utf8')).toBe('#!/bin/sh\necho hi\n');
    expect((await stat(join(ws.root, 'run.sh'))).mode & 0o777).toBe(0o750);
    expect((await readdir(ws.root)).sort()).toEqual(['filter.json', 'job.py', 'run.sh']);
    // A new file gets ordinary permissions; a missing folder is an error that says so.
    await service.write(ws.root, 'notes.md', 'n');
    expect((await stat(join(ws.root, 'notes.md'))).mode & 0o777).toBe(0o644);
    await expect(service.write(ws.root, 'nope/x.py', '')).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('create it first') });
  });

  it('creates, renames and deletes files and folders', async () => {
    const { service } = await setup();
    const ws = await service.newJob('crud', { kind: 'template' });
    await service.create(ws.root, 'lib', 'folder');
    await service.create(ws.root, 'lib/helpers.py', 'file');
    await expect(service.create(ws.root, 'lib/helpers.py', 'file')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await service.rename(ws.root, 'lib', 'util');
    await expect(service.rename(ws.root, 'util', 'util/inner')).rejects.toMatchObject({ message: expect.stringContaining('into itself') });
    await expect(service.rename(ws.root, 'job.py', 'filter.json')).rejects.toMatchObject({ message: expect.stringContaining('already exists') });
    expect((await service.tree(ws.root)).entries.map((e) => e.path)).toEqual(['util', 'util/helpers.py', 'filter.json', 'job.py', 'run.sh']);
    await service.delete(ws.root, 'util');
    await expect(service.delete(ws.root, 'util')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await service.tree(ws.root)).entries.map((e) => e.path)).toEqual(['filter.json', 'job.py', 'run.sh']);
  });

  it('reads binary and non-UTF-8 files as read-only with a notice, and asks before a file over 20 MB', async () => {
    const { service, base } = await setup();
    const dir = join(base, 'any-folder');
    await mkdir(dir);
    await writeFile(join(dir, 'data.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    await writeFile(join(dir, 'latin1.txt'), Buffer.from('caf\xe9\n', 'latin1'));
    await writeFile(join(dir, 'big.log'), '');
    await truncate(join(dir, 'big.log'), 21 * 1024 * 1024);
    const ws = await service.openFolder(dir);
    expect(await service.read(ws.root, 'data.bin')).toMatchObject({ kind: 'unreadable', notice: expect.stringContaining('binary') });
    expect(await service.read(ws.root, 'latin1.txt')).toMatchObject({ kind: 'unreadable', notice: expect.stringContaining('not UTF-8'), preview: 'caf\ufffd\n' });
    expect(await service.read(ws.root, 'big.log')).toEqual(expect.objectContaining({ kind: 'large', size: 21 * 1024 * 1024 }));
    // Asked for explicitly, it is read (here: zeros, so binary).
    expect((await service.read(ws.root, 'big.log', true)).kind).toBe('unreadable');
    await expect(service.read(ws.root, 'missing.py')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('opens only existing folders given by their full path', async () => {
    const { service, base } = await setup();
    await expect(service.openFolder('relative/folder')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('full path') });
    await expect(service.openFolder(join(base, 'missing'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await writeFile(join(base, 'file.txt'), '');
    await expect(service.openFolder(join(base, 'file.txt'))).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('not a folder') });
  });

  it('tells about a file changed on disk by another program', async () => {
    const { service, changeOf } = await setup();
    const ws = await service.newJob('watched', { kind: 'template' });
    const changed = changeOf('filter.json');
    await writeFile(join(ws.root, 'filter.json'), '{}');
    expect(await changed).toContain('filter.json');
    // A save by the app is reported too, once, without its temp file.
    const saved = changeOf('job.py');
    await service.write(ws.root, 'job.py', 'def map(k, d, v, c):\n    pass\n');
    expect((await saved).some((p) => p.endsWith('.tmp'))).toBe(false);
  });

  it('watches nested folders, and leaves caches out', async () => {
    const { base, service, changes, changeOf } = await setup();
    const dir = join(base, 'nested');
    await mkdir(join(dir, 'lib', 'deep'), { recursive: true });
    await writeFile(join(dir, 'job.py'), '');
    const ws = await service.openFolder(dir);
    await mkdir(join(ws.root, '__pycache__'));
    await writeFile(join(ws.root, '__pycache__', 'job.cpython-311.pyc'), 'x');
    const deep = changeOf('lib/deep/helpers.py');
    await writeFile(join(ws.root, 'lib', 'deep', 'helpers.py'), 'X = 1\n');
    await deep;
    const all = changes.flatMap((c) => c.paths);
    // Nothing untouched is reported (opening is not a change), nor anything in the cache.
    expect(all).not.toContain('job.py');
    expect(all.some((p) => p.includes('__pycache__'))).toBe(false);
    await service.delete(ws.root, 'lib');
    expect(await changeOf('lib')).toContain('lib');
  });
});

describe('FolderWatcher', () => {
  it('watches a folder made after it started', async () => {
    const root = await useTempDir('watcher');
    const watched: string[] = [];
    const seen: string[] = [];
    // Each callback wakes whoever waits for what it records: no sleeping.
    const waiters: (() => void)[] = [];
    const poke = () => waiters.splice(0).forEach((look) => look());
    const until = (check: () => boolean) =>
      new Promise<void>((done) => {
        const look = () => (check() ? done() : void waiters.push(look));
        look();
      });
    const watcher = new FolderWatcher(root, (paths) => (seen.push(...paths), poke()), { debounceMs: 10, watching: (dir) => (watched.push(dir), poke()) });
    try {
      await watcher.ready;
      await mkdir(join(root, 'later'));
      await until(() => watched.includes(join(root, 'later')));
      await writeFile(join(root, 'later', 'x.py'), 'x');
      await until(() => seen.includes('later/x.py'));
      expect(seen).toContain('later');
    } finally {
      watcher.close();
    }
  });
});

describe('the Python check (real python3)', () => {
  it('finds a syntax error with its line and column', async () => {
    const diagnostics = await checkPython('import json\n\ndef map(key, dims, value, context):\n    x = (1,\n', 'job.py');
    expect(diagnostics).toEqual([expect.objectContaining({ severity: 'error', line: 4, column: 9, message: expect.stringContaining("SyntaxError: '(' was never closed") })]);
    const [indent] = await checkPython('def map(a, b, c, d):\nreturn 1\n', 'job.py');
    expect(indent).toMatchObject({ line: 2, message: expect.stringContaining('IndentationError') });
    // Found by the compiler, not the parser.
    const [outside] = await checkPython('def map(a, b, c, d):\n    pass\nreturn 1\n', 'job.py');
    expect(outside).toMatchObject({ line: 3, message: expect.stringContaining("'return' outside function") });
  });

  it('counts columns in characters on lines with non-ASCII text', async () => {
    const [d] = await checkPython('def map(a, b, c, d):\n    s = "café" +\n', 'job.py');
    expect(d).toMatchObject({ line: 2, column: 18 });
  });

  it('wants a top-level map with four parameters, and checks the other functions the runner calls', async () => {
    expect(await checkPython('def mapper(a, b, c, d):\n    pass\n', 'job.py')).toEqual([expect.objectContaining({ line: 1, message: expect.stringContaining('defines no top-level map') })]);
    const diagnostics = await checkPython(
      ['def map(key, dims, value):', '    pass', '', 'def reduce(key, values, context, extra):', '    pass', '', 'def combine(key, values, context):', '    pass', '', 'def setup_reduce():', '    pass', ''].join('\n'),
      'job.py',
    );
    expect(diagnostics.map((d) => [d.line, d.message])).toEqual([
      [1, 'map takes 3 parameters but the runner calls map(key, dims, value, context) with 4.'],
      [4, 'reduce takes 4 parameters but the runner calls reduce(key, values, context) with 3.'],
      [10, 'setup_reduce takes 0 parameters but the runner calls setup_reduce(context) with 1.'],
    ]);
    // Defaults and *args can absorb the difference.
    expect(await checkPython('def map(key, dims, value, context, extra=None):\n    pass\ndef reduce(*args):\n    pass\n', 'job.py')).toEqual([]);
    // A map inside a class or function is not the runner's map.
    expect((await checkPython('class J:\n    def map(self, a, b, c):\n        pass\n', 'job.py'))[0]!.message).toContain('defines no top-level map');
  });

  it('does not run the script', async () => {
    const base = await useTempDir('python-check');
    const marker = join(base, 'ran');
    expect(await checkPython(`open(${JSON.stringify(marker)}, "w").write("x")\ndef map(a, b, c, d):\n    pass\n`, 'job.py')).toEqual([]);
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('says so when python3 is missing', async () => {
    await expect(checkPython('x = 1\n', 'job.py', 'python3-does-not-exist')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('was not found') });
  });
});

describe('the workspace calls through the contract', () => {
  it('refuses a path outside the workspace, whatever the caller sends', async () => {
    const dataDir = await useTempDir('workspace-contract');
    const workbench = await createWorkbench({ dataDir, host: 'cli', resourcesDir: RESOURCES });
    try {
      const made = await workbench.dispatch('workspace:new', { name: 'contract', from: { kind: 'template' } });
      expect(made.ok).toBe(true);
      const root = made.ok ? (made.value as { root: string }).root : '';
      for (const path of ['../../settings.json', '/etc/passwd', 'a/../../b']) {
        const result = await workbench.dispatch('workspace:read', { root, path });
        expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
      const read = await workbench.dispatch('workspace:read', { root, path: 'job.py' });
      expect(read).toMatchObject({ ok: true, value: { kind: 'text', path: 'job.py' } });
      expect(await workbench.dispatch('workspace:check-python', { root, path: 'job.py', text: 'def map(:\n' })).toMatchObject({ ok: true, value: [{ line: 1, severity: 'error' }] });
    } finally {
      await workbench.close();
    }
  });
});
