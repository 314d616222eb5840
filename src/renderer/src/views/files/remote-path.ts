/**
 * POSIX paths on a worker, handled as text: the renderer has no `node:path`, and remote paths
 * are always POSIX whatever the desktop runs on.
 */

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}

export function parentPath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const cut = trimmed.lastIndexOf('/');
  return cut <= 0 ? '/' : trimmed.slice(0, cut);
}

/** `/home/me/data` -> [{name: '/', path: '/'}, {name: 'home', path: '/home'}, ...]. */
export function pathSegments(path: string): { name: string; path: string }[] {
  const parts = path.split('/').filter(Boolean);
  const segments = [{ name: '/', path: '/' }];
  parts.forEach((part, index) => segments.push({ name: part, path: `/${parts.slice(0, index + 1).join('/')}` }));
  return segments;
}

/** Why a new name for an entry would not do, or undefined when it will. */
export function checkEntryName(name: string): string | undefined {
  if (name.trim() === '') return 'Type a name.';
  if (name.includes('/')) return 'A name cannot contain "/".';
  if (name.includes('\0')) return 'A name cannot contain NUL characters.';
  if (name === '.' || name === '..') return `"${name}" is not a usable name.`;
  return undefined;
}
