import { copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';

export interface CopiedFile {
  path: string;
  bytes: number;
}

/**
 * Copies the regular files and folders of `from` into `to`. Symlinks, sockets and devices are
 * refused with an error naming them: following a link could copy (or overwrite) something
 * outside the tree the user chose.
 */
export async function copyTree(from: string, to: string, ignore: (relativePath: string) => boolean = () => false): Promise<CopiedFile[]> {
  const copied: CopiedFile[] = [];
  async function walk(dir: string): Promise<void> {
    await mkdir(join(to, relative(from, dir)), { recursive: true });
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const source = join(dir, entry.name);
      const rel = relative(from, source).split(sep).join('/');
      if (ignore(rel)) continue;
      if (entry.isDirectory()) {
        await walk(source);
      } else if (entry.isFile()) {
        await copyFile(source, join(to, rel));
        copied.push({ path: rel, bytes: (await lstat(source)).size });
      } else {
        const kind = entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
        throw new WorkbenchError('BAD_INPUT', `${source} is ${kind}; only regular files and folders are copied. Replace it with the file itself or remove it.`);
      }
    }
  }
  const top = await lstat(from).catch(() => undefined);
  if (!top?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `${from} is not a folder.`);
  await walk(from);
  return copied;
}
