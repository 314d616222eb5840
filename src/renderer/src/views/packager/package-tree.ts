import type { ScanNode } from '../../../../shared/packager-model.ts';

export interface TreeItem {
  node: ScanNode;
  name: string;
  depth: number;
  children: TreeItem[];
}

/** The scan's flat, archive-ordered list as a tree (a parent always comes before its children). */
export function buildTree(nodes: readonly ScanNode[]): TreeItem[] {
  const roots: TreeItem[] = [];
  const byPath = new Map<string, TreeItem>();
  for (const node of nodes) {
    const cut = node.path.lastIndexOf('/');
    const parent = cut < 0 ? undefined : byPath.get(node.path.slice(0, cut));
    const item: TreeItem = { node, name: node.path.slice(cut + 1), depth: parent ? parent.depth + 1 : 0, children: [] };
    byPath.set(node.path, item);
    (parent ? parent.children : roots).push(item);
  }
  return roots;
}

/** The rows to show: every item whose ancestors are all expanded. */
export function visibleRows(items: readonly TreeItem[], expanded: ReadonlySet<string>): TreeItem[] {
  const rows: TreeItem[] = [];
  const walk = (list: readonly TreeItem[]) => {
    for (const item of list) {
      rows.push(item);
      if (expanded.has(item.node.path)) walk(item.children);
    }
  };
  walk(items);
  return rows;
}

/** Unchecking a path replaces any unchecked paths under it; checking it again removes it. */
export function toggleExcluded(excluded: readonly string[], path: string): string[] {
  if (excluded.includes(path)) return excluded.filter((p) => p !== path);
  return [...excluded.filter((p) => !p.startsWith(`${path}/`)), path];
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}
