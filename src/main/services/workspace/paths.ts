import { lstat, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';

/**
 * Turns a path the renderer sent into a path on disk that is certainly inside the workspace,
 * or refuses. The renderer is not trusted: absolute paths, `..`, NUL bytes and backslashes are
 * refused outright, and the deepest existing ancestor is resolved through symlinks and must
 * still be inside the workspace's real path (so a link pointing out is refused too).
 */
export async function resolveInside(root: string, path: string, options: { allowRoot?: boolean } = {}): Promise<string> {
  const parts = checkRelative(path, options.allowRoot === true);
  const target = join(root, ...parts);
  // Every existing ancestor (and the target itself, if it exists) must resolve inside.
  let existing = target;
  for (;;) {
    const real = await realpath(existing).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (real !== undefined) {
      if (!isInside(root, real)) refuse(path, 'it leads outside the workspace through a symbolic link');
      break;
    }
    // A dangling link resolves nowhere: where it points is as untrusted as the rest.
    const link = await lstat(existing).catch(() => undefined);
    if (link?.isSymbolicLink()) refuse(path, 'it is a symbolic link to nothing');
    if (existing === root) break;
    existing = join(existing, '..');
  }
  return target;
}

/** The `/`-separated segments of a workspace-relative path, or a refusal naming the problem. */
export function checkRelative(path: string, allowRoot = false): string[] {
  if (path.includes('\0')) refuse(path, 'it contains a NUL byte');
  if (path.includes('\\')) refuse(path, 'it contains a backslash; use / between folders');
  if (isAbsolute(path) || path.startsWith('/')) refuse(path, 'it is absolute; give a path relative to the workspace');
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) refuse(path, 'it contains ".."');
  if (parts.length === 0 && !allowRoot) refuse(path, 'it names the workspace itself');
  return parts;
}

export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** A workspace-relative path as the renderer sees it. */
export function toRelative(root: string, absolute: string): string {
  return relative(root, absolute).split(sep).join('/');
}

function refuse(path: string, why: string): never {
  const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
  throw new WorkbenchError('FORBIDDEN', `Refused the path ${shown}: ${why}. Only files inside the open workspace can be used.`);
}
