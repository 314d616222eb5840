import { describe, expect, it } from 'vitest';
import { formatBytes, plural } from '../../../../../src/renderer/src/lib/format.ts';
import { buildTree, toggleExcluded, visibleRows } from '../../../../../src/renderer/src/views/packager/package-tree.ts';
import type { ScanNode } from '../../../../../src/shared/packager-model.ts';

const node = (path: string, kind: ScanNode['kind'] = 'file'): ScanNode => ({ path, kind, bytes: 1, excluded: false });

describe('the package tree', () => {
  const tree = buildTree([node('a', 'dir'), node('a/b', 'dir'), node('a/b/c.py'), node('a/d.py'), node('e.txt')]);

  it('nests the flat scan and shows only expanded folders', () => {
    expect(tree.map((i) => i.name)).toEqual(['a', 'e.txt']);
    expect(visibleRows(tree, new Set()).map((i) => i.node.path)).toEqual(['a', 'e.txt']);
    expect(visibleRows(tree, new Set(['a'])).map((i) => `${i.depth}:${i.name}`)).toEqual(['0:a', '1:b', '1:d.py', '0:e.txt']);
    expect(visibleRows(tree, new Set(['a', 'a/b'])).map((i) => i.node.path)).toContain('a/b/c.py');
  });

  it('unchecking a folder replaces what was unchecked inside it; checking again restores it', () => {
    expect(toggleExcluded(['a/b/c.py', 'e.txt'], 'a')).toEqual(['e.txt', 'a']);
    expect(toggleExcluded(['e.txt', 'a'], 'a')).toEqual(['e.txt']);
  });

  it('formats sizes and counts for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(150_000_000)).toBe('143 MiB');
    expect(plural(1, 'file')).toBe('1 file');
    expect(plural(1200, 'entry', 'entries')).toBe('1,200 entries');
  });
});
