import { constants } from 'node:fs';
import { lstat, mkdir, open, rmdir, statfs, unlink, type FileHandle } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { WorkbenchError } from '../../../shared/errors.ts';
import { humanBytes, isPlainFile, MAX_UNPACKED_BYTES, PackageCheck } from './package-rules.ts';
import { openArchive, readTar, type TarHeader } from './tar-read.ts';

type Problem = { path: string; message: string };

const SMALL_FILE_BYTES = 1024 * 1024;

/**
 * Lists what makes an archive unsafe to unpack (empty when it is safe), by the package rules.
 * Stops at the entry that takes it past the size limit (or the free `room`): a bomb is not
 * read to its end. `label` names the archive in errors.
 */
export async function unsafeEntries(archive: string | FileHandle, options: { limitBytes?: number; room?: { freeBytes: number; where: string }; label?: string } = {}): Promise<Problem[]> {
  const problems: Problem[] = [];
  const check = new PackageCheck(options.limitBytes ?? MAX_UNPACKED_BYTES, options.room);
  await readTar(
    archive,
    async (header) => {
      const problem = check.problem(header);
      if (problem) problems.push({ path: header.raw, message: `${header.raw} ${problem}` });
      return check.overLimit ? 'stop' : undefined;
    },
    options.label,
  );
  return problems;
}

export interface ExtractOptions {
  /** The most the package may unpack to (MAX_UNPACKED_BYTES unless a test sets less). */
  limitBytes?: number;
}

/**
 * Unpacks a tarball into `target`, refusing (before anything is written) an archive that
 * breaks a package rule: absolute paths, `../`, links, devices, unknown entry types, a path
 * given twice, more than the size limit or than the disk has free (refused at the entry that
 * crosses it, without reading on). While unpacking it checks
 * again, per entry: every folder on the way must be a real folder (never a link, even one
 * that was there before), files are created new (O_EXCL | O_NOFOLLOW), and the bytes written
 * are counted against the limit. If anything fails part way (a full disk, a damaged archive),
 * everything it wrote is removed.
 */
export async function safeExtract(archive: string, targetArg: string, options: ExtractOptions = {}): Promise<{ files: number; bytes: number }> {
  const limitBytes = options.limitBytes ?? MAX_UNPACKED_BYTES;
  const handle = await openArchive(archive);
  const target = resolve(targetArg);
  const madeTarget = (await mkdir(target, { recursive: true, mode: 0o700 })) !== undefined;
  try {
    const room = { freeBytes: await freeBytes(target), where: target };
    const problems = await unsafeEntries(handle, { limitBytes, room, label: archive });
    if (problems.length > 0) {
      const list = problems.slice(0, 10).map((p) => p.message).join('; ');
      throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${archive}: ${list}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}.`);
    }
    return await unpack(archive, handle, target, limitBytes, madeTarget);
  } catch (err) {
    if (madeTarget) await rmdir(target).catch(() => undefined);
    throw err;
  } finally {
    await handle.close();
  }
}

/** The bytes free for an unprivileged user on the disk holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return Number(info.bavail) * Number(info.bsize);
}

async function unpack(archive: string, handle: FileHandle, target: string, limitBytes: number, madeTarget: boolean): Promise<{ files: number; bytes: number }> {
  const created: { path: string; dir: boolean }[] = madeTarget ? [{ path: target, dir: true }] : [];
  let files = 0;
  let bytes = 0;
  try {
    const check = new PackageCheck(limitBytes);
    await readTar(handle, async (header, body) => {
      const problem = check.problem(header);
      if (problem) throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: it ${problem}.`);
      if (header.type === 'pax-global-header' || header.path === '') return;
      const dest = await placeInside(target, header, created);
      if (header.type === 'directory') {
        await ensureRealDir(target, dest, created);
        return;
      }
      if (!isPlainFile(header)) throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: it is a ${header.type} entry.`);
      const mode = header.mode & 0o111 ? 0o755 : 0o644;
      const out = await open(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode).catch((err: NodeJS.ErrnoException) => {
        throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: ${err.code === 'EEXIST' ? 'something is already there' : err.message}.`);
      });
      created.push({ path: dest, dir: false });
      // The reader hands over exactly the declared bytes, so the total is kept within the
      // limit by counting each file before it is written.
      if (bytes + header.size > limitBytes) throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${archive}: it unpacks to more than ${humanBytes(limitBytes)}.`);
      bytes += header.size;
      await writeBody(body, out, header.size).catch((err: NodeJS.ErrnoException) => {
        if (err instanceof WorkbenchError) throw err;
        if (err.code === 'ENOSPC' || err.code === 'EDQUOT' || err.code === 'EFBIG') throw new WorkbenchError('FORBIDDEN', `Could not unpack ${archive}: the disk under ${target} filled up; nothing of it was kept.`);
        throw err;
      });
      files += 1;
    }, archive);
    return { files, bytes };
  } catch (err) {
    await removeCreated(created);
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError('INTERNAL', `Could not unpack ${archive}: ${(err as Error).message}; nothing of it was kept.`);
  }
}

/** Small files are gathered and written at once; big ones are streamed. Closes `out`. */
async function writeBody(body: Readable, out: FileHandle, size: number): Promise<void> {
  if (size > SMALL_FILE_BYTES) {
    await pipeline(body, out.createWriteStream());
    return;
  }
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    await out.writeFile(Buffer.concat(chunks));
  } finally {
    await out.close();
  }
}

/** Takes back what an unpacking that failed had written: files first, then its folders. */
async function removeCreated(created: { path: string; dir: boolean }[]): Promise<void> {
  for (const item of created.reverse()) {
    await (item.dir ? rmdir(item.path) : unlink(item.path)).catch(() => undefined);
  }
}

/** The entry's destination, with every folder above it made (as real folders) inside target. */
async function placeInside(target: string, header: TarHeader, created: { path: string; dir: boolean }[]): Promise<string> {
  const dest = resolve(target, header.path);
  const rel = relative(target, dest);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..') {
    throw new WorkbenchError('FORBIDDEN', `Refused to unpack ${header.raw}: it would land outside ${target}.`);
  }
  const parts = rel.split(sep);
  let dir = target;
  for (const part of parts.slice(0, -1)) {
    dir = join(dir, part);
    await ensureRealDir(target, dir, created);
  }
  return dest;
}

async function ensureRealDir(target: string, dir: string, created: { path: string; dir: boolean }[]): Promise<void> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info) {
    await mkdir(dir, { mode: 0o755 });
    created.push({ path: dir, dir: true });
    return;
  }
  if (!info.isDirectory()) {
    throw new WorkbenchError('FORBIDDEN', `Refused to unpack into ${relative(target, dir)}: it is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}.`);
  }
}
