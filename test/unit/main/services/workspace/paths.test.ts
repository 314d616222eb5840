import { mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRelative, resolveInside } from '../../../../../src/main/services/workspace/paths.ts';
import { WorkspaceService } from '../../../../../src/main/services/workspace/workspace-service.ts';
import { ExampleCatalog } from '../../../../../src/main/services/jobs/examples.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/** A workspace `ws` beside a folder `outside` holding a secret, both in a fresh temp dir. */
async function layout() {
  const base = await realpath(await useTempDir('workspace-paths'));
  const root = join(base, 'ws');
  const outside = join(base, 'outside');
  await mkdir(join(root, 'sub'), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await writeFile(join(root, 'job.py'), 'x = 1\n');
  return { base, root, outside };
}

describe('checkRelative', () => {
  it.each([
    ['../outside/secret.txt', '".."'],
    ['sub/../../outside', '".."'],
    ['..', '".."'],
    ['/etc/passwd', 'absolute'],
    ['//etc/passwd', 'absolute'],
    ['sub\\..\\..\\x', 'backslash'],
    ['job.py\0.txt', 'NUL'],
    ['', 'the workspace itself'],
    ['.', 'the workspace itself'],
    ['./', 'the workspace itself'],
  ])('refuses %j (%s)', (path, why) => {
    expect(() => checkRelative(path)).toThrow(expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining(why) }));
  });

  it.each([
    ['with spaces.py', ['with spaces.py']],
    ['quote"s and \'single\'.py', ['quote"s and \'single\'.py']],
    ['new\nline.py', ['new\nline.py']],
    ['-rf', ['-rf']],
    ['--help.py', ['--help.py']],
    ['./sub//job.py', ['sub', 'job.py']],
    ['..hidden', ['..hidden']],
  ])('accepts the odd but harmless name %j', (path, parts) => {
    expect(checkRelative(path)).toEqual(parts);
  });
});

describe('resolveInside', () => {
  it('resolves names inside the workspace, existing or not', async () => {
    const { root } = await layout();
    expect(await resolveInside(root, 'job.py')).toBe(join(root, 'job.py'));
    expect(await resolveInside(root, 'sub/new folder/new file.py')).toBe(join(root, 'sub', 'new folder', 'new file.py'));
  });

  it('refuses a symlink that leads outside, and anything beneath it', async () => {
    const { root, outside } = await layout();
    await symlink(join(outside, 'secret.txt'), join(root, 'link.txt'));
    await symlink(outside, join(root, 'linkdir'));
    await expect(resolveInside(root, 'link.txt')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('symbolic link') });
    await expect(resolveInside(root, 'linkdir/secret.txt')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(resolveInside(root, 'linkdir/new.txt')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('refuses a dangling symlink (where it would point is not checked)', async () => {
    const { root, outside } = await layout();
    await symlink(join(outside, 'not-yet'), join(root, 'dangling'));
    await expect(resolveInside(root, 'dangling')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('to nothing') });
  });

  it('accepts a symlink that stays inside', async () => {
    const { root } = await layout();
    await symlink(join(root, 'job.py'), join(root, 'sub', 'alias.py'));
    expect(await resolveInside(root, 'sub/alias.py')).toBe(join(root, 'sub', 'alias.py'));
  });
});

describe('WorkspaceService refuses paths outside the open workspace in every call', () => {
  async function service() {
    const paths = await layout();
    const workspaces = new WorkspaceService({ workspacesDir: join(paths.base, 'workspaces'), examples: new ExampleCatalog(join(paths.base, 'none')), changed: () => {} });
    const { root } = await workspaces.openFolder(paths.root);
    await symlink(paths.outside, join(root, 'out'));
    return { ...paths, workspaces, root };
  }

  it.each(['../outside/secret.txt', '/etc/passwd', 'out/secret.txt'])('%j', async (bad) => {
    const { workspaces, root, outside } = await service();
    try {
      await expect(workspaces.read(root, bad)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(workspaces.write(root, bad, 'owned')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(workspaces.create(root, bad, 'file')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(workspaces.delete(root, bad)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(workspaces.rename(root, 'job.py', bad)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(workspaces.rename(root, bad, 'stolen.txt')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(workspaces.checkPython(root, bad)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('secret');
    } finally {
      workspaces.closeAll();
    }
  });

  it('refuses a workspace root that was never opened', async () => {
    const { workspaces, outside } = await service();
    try {
      await expect(workspaces.read(outside, 'secret.txt')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('is not open; open it first') });
      await expect(workspaces.tree(outside)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    } finally {
      workspaces.closeAll();
    }
  });

  it('works with names holding spaces, quotes, newlines and leading dashes', async () => {
    const { workspaces, root } = await service();
    try {
      for (const name of ['with space.py', 'quo"te\'s.py', 'new\nline.txt', '-rf', '--help']) {
        await workspaces.write(root, name, `# ${name}\n`);
        expect(await readFile(join(root, name), 'utf8')).toBe(`# ${name}\n`);
        expect(await workspaces.read(root, name)).toMatchObject({ kind: 'text', text: `# ${name}\n` });
      }
      await workspaces.rename(root, '-rf', 'sub/-x y');
      expect((await workspaces.tree(root)).entries.map((e) => e.path)).toContain('sub/-x y');
      await workspaces.delete(root, 'sub/-x y');
      expect((await workspaces.tree(root)).entries.map((e) => e.path)).not.toContain('sub/-x y');
    } finally {
      workspaces.closeAll();
    }
  });
});
