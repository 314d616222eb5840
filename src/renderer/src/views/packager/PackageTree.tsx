import { useMemo, useState } from 'react';
import type { ScanNode } from '../../../../shared/packager-model.ts';
import { formatBytes } from '../../lib/format.ts';
import { buildTree, visibleRows } from './package-tree.ts';

interface Props {
  nodes: ScanNode[];
  excluded: readonly string[];
  onToggle: (path: string) => void;
}

/** The folder as it will be packed: a checkbox per path, sizes, and why rules leave things out. */
export function PackageTree({ nodes, excluded, onToggle }: Props) {
  const tree = useMemo(() => buildTree(nodes), [nodes]);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const rows = visibleRows(tree, expanded);
  const flip = (path: string) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  return (
    <ul className="package-tree" role="tree" aria-label="Package contents">
      {rows.map(({ node, name, depth, children }) => {
        // From the local list, not the last scan, so a click shows at once.
        const parentOut = excluded.some((p) => node.path.startsWith(`${p}/`));
        const out = Boolean(node.ignored) || parentOut || excluded.includes(node.path);
        return (
          <li key={node.path} role="treeitem" aria-level={depth + 1} aria-expanded={node.kind === 'dir' && children.length > 0 ? expanded.has(node.path) : undefined} className={out ? 'out' : undefined} style={{ paddingLeft: depth * 18 }}>
            {node.kind === 'dir' && children.length > 0 ? (
              <button type="button" className="twisty" aria-label={`${expanded.has(node.path) ? 'Collapse' : 'Expand'} ${node.path}`} onClick={() => flip(node.path)}>
                {expanded.has(node.path) ? '▾' : '▸'}
              </button>
            ) : (
              <span className="twisty" />
            )}
            <input
              type="checkbox"
              aria-label={`Include ${node.path}`}
              checked={!out}
              disabled={Boolean(node.ignored) || parentOut}
              onChange={() => onToggle(node.path)}
            />
            <span className="name">
              {name}
              {node.kind === 'dir' ? '/' : ''}
            </span>
            <span className="size">{node.ignored ? '' : formatBytes(node.bytes)}</span>
            {node.ignored && <span className="why muted">ignored: {node.ignored}</span>}
            {node.problem && <span className="why problem">{node.problem}</span>}
          </li>
        );
      })}
    </ul>
  );
}
