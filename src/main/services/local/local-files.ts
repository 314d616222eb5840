import { lstat, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { LocalEntry, LocalListing } from '../../../shared/transfer-model.ts';
import { localError } from '../ssh/transfers/local-errors.ts';

function typeOf(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): LocalEntry['type'] {
  return stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
}

/**
 * A folder of this computer, for the picker the Files view shows where no native dialog exists
 * (the browser workbench). The path arrives checked (absolute, no NUL) by the contract; entries
 * are lstat'ed, so a link shows as a link and is never followed here.
 */
export async function listLocalFolder(path: string | undefined, home = homedir()): Promise<LocalListing> {
  const folder = resolve(path ?? home);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw localError(err, 'list', folder);
  }
  const entries: LocalEntry[] = [];
  for (const name of names) {
    // An entry that vanished or cannot be looked at is left out rather than failing the folder.
    const stats = await lstat(join(folder, name)).catch(() => undefined);
    if (stats) entries.push({ name, type: typeOf(stats), size: stats.size, modifiedAt: stats.mtime.toISOString() });
  }
  const parent = dirname(folder);
  return { path: folder, ...(parent === folder ? {} : { parent }), home, entries };
}
