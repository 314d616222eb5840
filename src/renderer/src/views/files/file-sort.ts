import type { RemoteEntry } from '../../../../shared/worker-model.ts';

export type SortKey = 'name' | 'size' | 'modifiedAt';
export interface Sort {
  key: SortKey;
  descending: boolean;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Folders first, always; within each group by the chosen column, ties broken by name. */
export function sortEntries(entries: readonly RemoteEntry[], sort: Sort): RemoteEntry[] {
  const direction = sort.descending ? -1 : 1;
  return [...entries].sort((a, b) => {
    const folderFirst = Number(b.type === 'directory') - Number(a.type === 'directory');
    if (folderFirst !== 0) return folderFirst;
    let order = 0;
    if (sort.key === 'size') order = a.size - b.size;
    else if (sort.key === 'modifiedAt') order = Date.parse(a.modifiedAt) - Date.parse(b.modifiedAt);
    if (order === 0) order = collator.compare(a.name, b.name);
    return order * direction;
  });
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
