import type { Dirent } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { ScanNode } from '../../../shared/packager-model.ts';
import { loadIgnoreRules } from './ignore-rules.ts';

/** A file that goes into the package: where it is read from and its size. */
export interface PackFile {
  path: string;
  source: string;
  bytes: number;
  mode: number;
  /** When it last changed: with the size, the key of the secret search's cache. */
  mtimeMs: number;
}

export interface TreeScan {
  root: string;
  nodes: ScanNode[];
  /** Included regular files (and links to files inside), in archive order. */
  files: PackFile[];
  /** Included folders, in archive order (kept so empty folders survive). */
  dirs: string[];
  problems: { path: string; message: string }[];
}

export function isExcluded(path: string, excluded: ReadonlySet<string>): boolean {
  for (let p = path; p !== '.' && p !== ''; p = dirname(p)) if (excluded.has(p)) return true;
  return false;
}

/** Byte order, as `tar --sort=name`: the same on every machine and locale. */
export function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Walks a folder the way the packer will: ignore rules and the user's unchecked paths applied,
 * sizes summed per folder, and anything that cannot be packed safely named with the reason.
 * Ignored folders are listed but not entered (node_modules can be huge).
 */
export async function scanTree(rootArg: string, excludedList: readonly string[]): Promise<TreeScan> {
  const root = resolve(rootArg);
  const top = await lstat(root).catch(() => undefined);
  if (!top?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `${root} is not a folder.`);
  const realRoot = await realpath(root);
  const rules = await loadIgnoreRules(root);
  const excluded = new Set(excludedList);
  const scan: TreeScan = { root, nodes: [], files: [], dirs: [], problems: [] };

  async function walk(dir: string, rel: string, out: boolean): Promise<number> {
    let total = 0;
    const entries = (await readdir(dir, { withFileTypes: true })).sort(byName);
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const source = join(dir, entry.name);
      const isDir = entry.isDirectory();
      const ignored = rules(path, isDir);
      const userOut = out || isExcluded(path, excluded);
      const node: ScanNode = { path, kind: isDir ? 'dir' : entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'link' : 'other', bytes: 0, excluded: userOut, ...(ignored && { ignored }) };
      scan.nodes.push(node);
      const included = !ignored && !userOut;
      if (isDir) {
        if (ignored) continue;
        if (included) scan.dirs.push(path);
        node.bytes = await walk(source, path, userOut);
      } else if (entry.isFile()) {
        const info = await lstat(source);
        node.bytes = info.size;
        if (included) scan.files.push({ path, source, bytes: info.size, mode: info.mode, mtimeMs: info.mtimeMs });
      } else if (entry.isSymbolicLink()) {
        const problem = await checkLink(source, realRoot);
        if (problem) node.problem = problem;
        else {
          const info = await stat(source);
          node.bytes = info.size;
          // A link to a file inside is packed as a copy of that file: packages hold no links,
          // so the extractors can refuse every link.
          if (included) scan.files.push({ path, source, bytes: info.size, mode: info.mode, mtimeMs: info.mtimeMs });
        }
      } else {
        node.problem = 'is a device, FIFO or socket; only regular files and folders can be packed';
      }
      if (node.problem && included) scan.problems.push({ path, message: `${path} ${node.problem}.` });
      if (included) total += node.bytes;
    }
    return total;
  }
  await walk(root, '', false);
  return scan;
}

async function checkLink(source: string, realRoot: string): Promise<string | undefined> {
  const target = await readlink(source);
  if (isAbsolute(target)) return `is a symbolic link to an absolute path (${target}); replace it with the file itself`;
  const real = await realpath(source).catch(() => undefined);
  if (real === undefined) return `is a symbolic link to ${target}, which does not exist`;
  const inside = relative(realRoot, real);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    return `is a symbolic link pointing outside the package (${target})`;
  }
  if (!(await stat(real)).isFile()) return `is a symbolic link to a folder (${target}); only links to files are packed (as copies)`;
  return undefined;
}
