import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { WorkbenchError } from '../../../shared/errors.ts';
import { unsafeEntries } from './safe-extract.ts';
import { fileChunks, openArchive } from './tar-read.ts';

/**
 * Copies a package to `dest` (mode 0600) and checks the copy by the package rules, so what is
 * kept is what was checked: a tarball that is not a regular file is refused before a byte is
 * read, and a copy that breaks a rule (absolute paths, links, a path twice, damage ...) is
 * removed and refused with every reason.
 */
export async function copyCheckedPackage(source: string, dest: string): Promise<void> {
  const handle = await openArchive(source);
  try {
    await pipeline(Readable.from(fileChunks(handle)), createWriteStream(dest, { mode: 0o600, flags: 'wx' }));
  } finally {
    await handle.close();
  }
  try {
    const problems = await unsafeEntries(dest, { label: source });
    if (problems.length > 0) {
      const list = problems.slice(0, 10).map((p) => p.message).join('; ');
      throw new WorkbenchError('FORBIDDEN', `${source} is not a package that can run: ${list}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}.`);
    }
  } catch (err) {
    await rm(dest, { force: true });
    throw err;
  }
}
