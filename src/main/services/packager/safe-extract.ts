import { constants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { WorkbenchError } from '../../../shared/errors.ts';
import { entryProblem, readTar, type TarHeader } from './tar-read.ts';

/** Lists what makes an archive unsafe to unpack (empty when it is safe). */
export async function unsafeEntries(archive: string): Promise<{ path: string; message: string }[]> {
  const problems: { path: string; message: string }[] = [];
  await readTar(archive, async (header) => {
    const problem = entryProblem(header);
    if (problem) problems.push({ path: header.raw, message: `${header.raw} ${problem}` });
  });
  return problems;
}

/**
 * Unpacks a tarball into `target`, refusing (before anything is written) an archive with any
 * entry that could land outside it: absolute paths, `../`, links, devices. While unpacking it
 * checks again, per entry: every folder on the way must be a real folder (never a link, even
 * one that was there before), and files are created new (O_EXCL | O_NOFOLLOW), so a second
 * entry of the same name or a planted link is refused rather than written through.
 */
export async function safeExtract(archive: string, targetArg: string): Promise<{ files: number; bytes: number }> {
  const problems = await unsafeEntries(archive);
  if (problems.length > 0) {
    const list = problems.slice(0, 10).map((p) => p.message).join('; ');
    throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${archive}: ${list}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}.`);
  }
  const target = resolve(targetArg);
  await mkdir(target, { recursive: true, mode: 0o700 });
  let files = 0;
  let bytes = 0;
  await readTar(archive, async (header, body) => {
    if (header.path === '') return;
    const problem = entryProblem(header);
    if (problem) throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: it ${problem}.`);
    const dest = await placeInside(target, header);
    if (header.type === 'directory') {
      await ensureRealDir(target, dest);
      return;
    }
    const mode = header.mode & 0o111 ? 0o755 : 0o644;
    const handle = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode).catch((err: NodeJS.ErrnoException) => {
      throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: ${err.code === 'EEXIST' ? 'the archive holds it twice, or something is already there' : err.message}.`);
    });
    await pipeline(body, handle.createWriteStream());
    files += 1;
    bytes += header.size;
  });
  return { files, bytes };
}

/** The entry's destination, with every folder above it made (as real folders) inside target. */
async function placeInside(target: string, header: TarHeader): Promise<string> {
  const dest = resolve(target, header.path);
  const rel = relative(target, dest);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..') {
    throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: it would land outside ${target}.`);
  }
  const parts = rel.split(sep);
  let dir = target;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    await ensureRealDir(target, dir);
  }
  return dest;
}

async function ensureRealDir(target: string, dir: string): Promise<void> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info) {
    await mkdir(dir, { mode: 0o755 });
    return;
  }
  if (!info.isDirectory()) {
    throw new WorkbenchError('FORBIDDEN', `Refused to unpack into ${relative(target, dir)}: it is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}.`);
  }
}
