import { readdir, rm, rmdir } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

/**
 * The staging folder of dropped files (see web-upload.ts): `<stagingDir>/<batch>/<name>`. An
 * upload from it removes its source once done or cleared; nothing outside it is ever removed.
 */

/** Removes a staged source (a no-op for any path outside the staging folder) and its batch folder once empty. */
export async function unstage(stagingDir: string, localPath: string): Promise<void> {
  const rel = relative(stagingDir, localPath);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
  const batch = join(stagingDir, rel.split(sep)[0]!);
  await rm(localPath, { recursive: true, force: true }).catch(() => undefined);
  await rmdir(batch).catch(() => undefined);
}

/** Removes batches no transfer refers to (a drop whose upload was never queued, or cleared while closed). */
export async function removeUnusedStaging(stagingDir: string, usedPaths: string[]): Promise<void> {
  const batches = await readdir(stagingDir).catch(() => [] as string[]);
  for (const batch of batches) {
    const dir = join(stagingDir, batch);
    if (!usedPaths.some((path) => path.startsWith(dir + sep))) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
