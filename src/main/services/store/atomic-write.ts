import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` with `data` so that a crash at any moment leaves either the old or the new
 * content, never a mix: write a temp file beside it, fsync it, rename over, fsync the folder.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename itself durable. Some platforms cannot open a folder for fsync; the
  // rename is still atomic there, only its durability across power loss is weaker.
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    /* see above */
  } finally {
    await handle?.close();
  }
}
