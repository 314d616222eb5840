import { lstat, mkdir, readlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WorkbenchError } from '../shared/errors.ts';

export const APP_DIR_NAME = 'analysis-workbench';

/**
 * Where the browser and command-line hosts keep their data: `--data-dir` when given, else
 * `$XDG_DATA_HOME/analysis-workbench`, else `~/.local/share/analysis-workbench`. (The Electron
 * host uses its userData folder instead.)
 */
export function resolveDataDir(options: { flag?: string | undefined; env?: NodeJS.ProcessEnv; home?: string }): string {
  const env = options.env ?? process.env;
  if (options.flag !== undefined && options.flag !== '') return resolve(options.flag);
  const xdg = env['XDG_DATA_HOME'];
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, APP_DIR_NAME);
  return join(options.home ?? homedir(), '.local', 'share', APP_DIR_NAME);
}

/** Makes the data dir (0700) if missing; a file in its place (or on its path) is refused by name. */
export async function makeDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    throw new WorkbenchError('BAD_INPUT', `The data directory ${dataDir} cannot be made: a file is in the way (${(err as Error).message}). Move the file, or choose another folder with --data-dir.`);
  }
}

/**
 * Makes `dir`, a folder the workbench keeps inside `dataDir`, and any folders missing on the
 * way (mode 0700). The data dir itself may be a link (moved to another disk, say), but the
 * folders inside it must be real: a link planted there would make the app write wherever it
 * points, so it is refused with an error that names it, and nothing is written.
 */
export async function makeOwnFolder(dataDir: string, dir: string): Promise<string> {
  const parts = relative(dataDir, dir).split(sep).filter((p) => p !== '');
  if (isAbsolute(relative(dataDir, dir)) || parts[0] === '..') throw new Error(`${dir} is not inside ${dataDir}`);
  await makeDataDir(dataDir);
  let current = dataDir;
  for (const part of parts) {
    current = join(current, part);
    let info = await lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!info) {
      await mkdir(current, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      info = await lstat(current);
    }
    if (info.isSymbolicLink()) {
      const target = await readlink(current).catch(() => 'elsewhere');
      throw new WorkbenchError(
        'BAD_INPUT',
        `${current} is a link (to ${target}), and the workbench does not follow links inside its data folder, so nothing was written. Remove the link; if what it points to is yours, move it into a real folder there.`,
      );
    }
    if (!info.isDirectory()) throw new WorkbenchError('BAD_INPUT', `${current} is a file where the workbench keeps a folder, so nothing was written. Move the file away.`);
  }
  return dir;
}
