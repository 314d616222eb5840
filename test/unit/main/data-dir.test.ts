import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataDir } from '../../../src/main/data-dir.ts';

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
