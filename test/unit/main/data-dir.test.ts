import { mkdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeOwnFolder, resolveDataDir } from '../../../src/main/data-dir.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

describe('resolveDataDir', () => {
  it('prefers --data-dir, resolved to an absolute path', () => {
    expect(resolveDataDir({ flag: 'rel/dir', env: { XDG_DATA_HOME: '/xdg' }, home: '/home/a' })).toBe(resolve('rel/dir'));
  });
  it('uses $XDG_DATA_HOME/analysis-workbench', () => {
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/xdg' }, home: '/home/a' })).toBe(join('/xdg', 'analysis-workbench'));
  });
  it('ignores a relative XDG_DATA_HOME, as the spec requires, and falls back to ~/.local/share', () => {
    expect(resolveDataDir({ env: { XDG_DATA_HOME: 'relative' }, home: '/home/a' })).toBe('/home/a/.local/share/analysis-workbench');
    expect(resolveDataDir({ env: {}, home: '/home/a' })).toBe('/home/a/.local/share/analysis-workbench');
  });
});

describe('makeOwnFolder', () => {
  it('makes the missing folders (0700); the data dir itself may be a link', async () => {
    const root = await useTempDir('own-folder');
    await mkdir(join(root, 'real-data'));
    await symlink(join(root, 'real-data'), join(root, 'data'));
    expect(await makeOwnFolder(join(root, 'data'), join(root, 'data', 'schedules', 'code', 'job'))).toBe(join(root, 'data', 'schedules', 'code', 'job'));
    expect((await stat(join(root, 'real-data', 'schedules', 'code', 'job'))).mode & 0o777).toBe(0o700);
  });

  it('refuses a file where a folder belongs, and a path outside the data dir', async () => {
    const root = await useTempDir('own-folder');
    await mkdir(join(root, 'data'));
    await writeFile(join(root, 'data', 'schedules'), 'a file');
    await expect(makeOwnFolder(join(root, 'data'), join(root, 'data', 'schedules', 'code'))).rejects.toThrow(`${join(root, 'data', 'schedules')} is a file where the workbench keeps a folder`);
    await expect(makeOwnFolder(join(root, 'data'), join(root, 'elsewhere'))).rejects.toThrow(/is not inside/);
  });
});
