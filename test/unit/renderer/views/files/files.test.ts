import { describe, expect, it } from 'vitest';
import type { RemoteEntry } from '../../../../../src/shared/worker-model.ts';
import { formatSize, sortEntries } from '../../../../../src/renderer/src/views/files/file-sort.ts';
import { checkEntryName, joinPath, parentPath, pathSegments } from '../../../../../src/renderer/src/views/files/remote-path.ts';

const entry = (name: string, type: RemoteEntry['type'], size = 0, modifiedAt = '2026-01-01T00:00:00Z'): RemoteEntry => ({ name, type, size, modifiedAt, mode: 0 });

describe('remote paths', () => {
  it('joins, goes up and splits POSIX paths whatever the desktop', () => {
    expect(joinPath('/', 'etc')).toBe('/etc');
    expect(joinPath('/home/me', `a "b" c's`)).toBe(`/home/me/a "b" c's`);
    expect(parentPath('/home/me/data')).toBe('/home/me');
    expect(parentPath('/home')).toBe('/');
    expect(parentPath('/')).toBe('/');
    expect(parentPath('/home/me/')).toBe('/home');
    expect(pathSegments('/home/me')).toEqual([
      { name: '/', path: '/' },
      { name: 'home', path: '/home' },
      { name: 'me', path: '/home/me' },
    ]);
  });

  it('accepts any name a folder can have, and refuses the ones it cannot', () => {
    expect(checkEntryName(`my "quoted" folder's name`)).toBeUndefined();
    expect(checkEntryName('-rf')).toBeUndefined();
    expect(checkEntryName('')).toMatch(/Type a name/);
    expect(checkEntryName('a/b')).toMatch(/"\/"/);
    expect(checkEntryName('..')).toMatch(/not a usable name/);
  });
});

describe('sorting a listing', () => {
  const entries = [entry('b.txt', 'file', 10, '2026-01-03T00:00:00Z'), entry('z-dir', 'directory'), entry('a.txt', 'file', 300, '2026-01-01T00:00:00Z'), entry('file10', 'file', 10), entry('file9', 'file', 10), entry('A-dir', 'directory')];

  it('puts folders first, then sorts by name naturally', () => {
    expect(sortEntries(entries, { key: 'name', descending: false }).map((e) => e.name)).toEqual(['A-dir', 'z-dir', 'a.txt', 'b.txt', 'file9', 'file10']);
  });

  it('keeps folders first when sorting by size, descending, ties by name', () => {
    expect(sortEntries(entries, { key: 'size', descending: true }).map((e) => e.name)).toEqual(['z-dir', 'A-dir', 'a.txt', 'file10', 'file9', 'b.txt']);
  });

  it('sorts by modification time', () => {
    expect(sortEntries(entries, { key: 'modifiedAt', descending: false }).map((e) => e.name).slice(2)).toEqual(['a.txt', 'file9', 'file10', 'b.txt']);
  });

  it('formats sizes', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(50 * 1024 * 1024)).toBe('50 MB');
  });
});
