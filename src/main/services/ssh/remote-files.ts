import { posix } from 'node:path';
import type { Client, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { RemoteEntry, RemoteListing } from '../../../shared/worker-model.ts';
import { call, execRemote, isNoSuchFile, openSftp } from './ssh-transport.ts';

const PERMISSION_DENIED = 3;

function entryType(attrs: Stats): RemoteEntry['type'] {
  return attrs.isDirectory() ? 'directory' : attrs.isFile() ? 'file' : attrs.isSymbolicLink() ? 'symlink' : 'other';
}

/** An SFTP error as something the user can act on. */
function explain(err: unknown, what: string, path: string): WorkbenchError {
  if (isNoSuchFile(err)) return new WorkbenchError('NOT_FOUND', `${what}: ${path} does not exist on the worker.`);
  if ((err as { code?: unknown }).code === PERMISSION_DENIED) return new WorkbenchError('PERMISSION_DENIED', `${what}: permission denied for ${path} on the worker.`);
  return new WorkbenchError('UNAVAILABLE', `${what} ${path}: ${(err as Error).message}`, { cause: err });
}

/** The SFTP file browser's operations on one worker. Paths are the worker's absolute paths. */
export class RemoteFiles {
  constructor(private readonly connect: () => Promise<Client>) {}

  private async sftp(): Promise<SFTPWrapper> {
    return openSftp(await this.connect());
  }

  async list(path?: string): Promise<RemoteListing> {
    const sftp = await this.sftp();
    try {
      const absolute = await call<string>((cb) => sftp.realpath(path ?? '.', cb)).catch((err: unknown) => {
        throw explain(err, 'Cannot open', path ?? 'the home folder');
      });
      const entries = await call<FileEntryWithStats[]>((cb) => sftp.readdir(absolute, cb)).catch((err: unknown) => {
        throw explain(err, 'Cannot list', absolute);
      });
      return {
        path: absolute,
        entries: entries.map((e) => ({
          name: e.filename,
          type: entryType(e.attrs),
          size: e.attrs.size,
          modifiedAt: new Date(e.attrs.mtime * 1000).toISOString(),
          mode: e.attrs.mode,
        })),
      };
    } finally {
      sftp.end();
    }
  }

  async mkdir(path: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      await call<void>((cb) => sftp.mkdir(path, (err) => cb(err, undefined))).catch((err: unknown) => {
        throw explain(err, 'Cannot create the folder', path);
      });
    } finally {
      sftp.end();
    }
  }

  async rename(from: string, to: string): Promise<void> {
    const sftp = await this.sftp();
    try {
      const exists = await call<Stats>((cb) => sftp.lstat(to, cb)).then(
        () => true,
        () => false,
      );
      if (exists) throw new WorkbenchError('BAD_INPUT', `${to} already exists on the worker; choose another name.`);
      await call<void>((cb) => sftp.rename(from, to, (err) => cb(err, undefined))).catch((err: unknown) => {
        throw explain(err, 'Cannot rename', from);
      });
    } finally {
      sftp.end();
    }
  }

  /** Deletes a file, or a folder with everything in it. Never `/` or a home folder itself. */
  async delete(path: string): Promise<void> {
    const normal = posix.normalize(path);
    if (!posix.isAbsolute(normal)) throw new WorkbenchError('BAD_INPUT', `Give an absolute path to delete, not "${path}".`);
    const client = await this.connect();
    const home = (await execRemote(client, ['sh', '-c', 'printf %s "$HOME"'])).stdout;
    if (normal === '/' || normal === posix.normalize(home)) throw new WorkbenchError('FORBIDDEN', `Refusing to delete ${normal}: it is a root or home folder.`);
    const result = await execRemote(client, ['rm', '-rf', '--', normal]);
    if (result.code !== 0) {
      const reason = result.stderr.trim();
      throw new WorkbenchError(/Permission denied/i.test(reason) ? 'PERMISSION_DENIED' : 'UNAVAILABLE', `Could not delete ${normal}: ${reason}`);
    }
  }
}
