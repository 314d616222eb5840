import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { LocalEntry, LocalListing } from '../../../shared/transfer-model.ts';
import { localError } from '../ssh/transfers/local-errors.ts';

/**
 * At most this many entries are listed: a picker cannot show a million rows usefully, and looking
 * each one up took minutes. The rest are counted; the user types a path to go further.
 */
export const MAX_LISTED = 5000;

/** lstat calls in flight: enough to keep libuv's thread pool busy. */
const LOOKUPS_IN_FLIGHT = 16;

function typeOf(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): LocalEntry['type'] {
  return stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'directory' : stats.isFile() ? 'file' : 'other';
}

// The order the picker shows (LocalPicker.tsx): folders first, then by name (localeCompare).
const collator = new Intl.Collator();
const pickerOrder = (a: Dirent, b: Dirent): number => Number(b.isDirectory()) - Number(a.isDirectory()) || collator.compare(a.name, b.name);

/**
 * A folder of this computer, for the picker the Files view shows where no native dialog exists
 * (the browser workbench). The path arrives checked (absolute, no NUL) by the contract; entries
 * are lstat'ed, so a link shows as a link and is never followed here. A folder with more than
 * MAX_LISTED entries lists the first of them in the picker's order and says how many there are.
 */
export async function listLocalFolder(path: string | undefined, home = homedir()): Promise<LocalListing> {
  const folder = resolve(path ?? home);
  let found: Dirent[];
  try {
    found = await readdir(folder, { withFileTypes: true });
  } catch (err) {
    throw localError(err, 'list', folder);
  }
  const listed = found.length > MAX_LISTED ? found.sort(pickerOrder).slice(0, MAX_LISTED) : found;
  const looked = new Array<LocalEntry | undefined>(listed.length);
  let next = 0;
  const lookUp = async (): Promise<void> => {
    for (let index = next++; index < listed.length; index = next++) {
      const { name } = listed[index]!;
      // An entry that vanished or cannot be looked at is left out rather than failing the folder.
      const stats = await lstat(join(folder, name)).catch(() => undefined);
      if (stats) looked[index] = { name, type: typeOf(stats), size: stats.size, modifiedAt: stats.mtime.toISOString() };
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, listed.length) }, lookUp));
  const entries = looked.filter((entry) => entry !== undefined);
  const parent = dirname(folder);
  return { path: folder, ...(parent === folder ? {} : { parent }), home, entries, ...(found.length > listed.length ? { total: found.length } : {}) };
}
