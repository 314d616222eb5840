import { lstat, mkdir, readdir, rename } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { Stats } from 'ssh2';
import { localError } from './local-errors.ts';
import type { SftpSession } from './sftp.ts';

/**
 * The two ends of a transfer behind one small interface, so that conflicts, folder walks and
 * resume preparation are written once for uploads and downloads alike.
 */

export type EntryKind = 'file' | 'folder' | 'symlink' | 'other';

export interface Entry {
  kind: EntryKind;
  size: number;
}

export interface Side {
  /** 'this computer' or 'the worker', for messages. */
  readonly where: string;
  join(dir: string, name: string): string;
  dirname(path: string): string;
  basename(path: string): string;
  /** What is at `path` without following a symlink; undefined when nothing is. */
  entry(path: string): Promise<Entry | undefined>;
  list(dir: string): Promise<Array<{ name: string; entry: Entry }>>;
  /** Creates a folder; an existing folder is fine. */
  ensureFolder(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

function kindOf(stats: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'folder';
  return 'other';
}

export const localSide: Side = {
  where: 'this computer',
  join,
  dirname,
  basename,
  async entry(path) {
    try {
      const stats = await lstat(path);
      return { kind: kindOf(stats), size: stats.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw localError(err, 'look at', path);
    }
  },
  async list(dir) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      throw localError(err, 'list', dir);
    }
    const out: Array<{ name: string; entry: Entry }> = [];
    for (const name of names) {
      const entry = await this.entry(join(dir, name));
      if (entry !== undefined) out.push({ name, entry });
    }
    return out;
  },
  async ensureFolder(path) {
    try {
      await mkdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && (await this.entry(path))?.kind === 'folder') return;
      throw localError(err, 'create the folder', path);
    }
  },
  async rename(from, to) {
    try {
      await rename(from, to);
    } catch (err) {
      throw localError(err, 'rename', from);
    }
  },
};

export function remoteSide(session: SftpSession): Side {
  const entry = (stats: Stats): Entry => ({ kind: kindOf(stats), size: stats.size });
  return {
    where: 'the worker',
    join: posix.join,
    dirname: posix.dirname,
    basename: posix.basename,
    async entry(path) {
      const stats = await session.lstatOrNull(path);
      return stats === undefined ? undefined : entry(stats);
    },
    // OpenSSH's readdir reports lstat attributes, so symlinks show as symlinks here.
    list: async (dir) => (await session.readdir(dir)).map((e) => ({ name: e.name, entry: entry(e.stats) })),
    async ensureFolder(path) {
      const existing = await session.lstatOrNull(path);
      if (existing?.isDirectory()) return;
      await session.mkdir(path);
    },
    rename: (from, to) => session.rename(from, to),
  };
}
