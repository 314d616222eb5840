import type { Client, FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { WorkbenchError } from '../../../../shared/errors.ts';

/**
 * Promise wrappers over ssh2's SFTP client, with every failure turned into a WorkbenchError that
 * names the path on the worker and says what to do.
 */

// SFTP v3 status codes (draft-ietf-secsh-filexfer-02, 7) that ssh2 puts on `err.code`.
const SFTP_EOF = 1;
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

function remoteError(err: unknown, action: string, path: string): WorkbenchError {
  if (err instanceof WorkbenchError) return err;
  const e = err as { code?: unknown; message?: string };
  const detail = e?.message ?? String(err);
  if (e?.code === SFTP_NO_SUCH_FILE) {
    return new WorkbenchError('NOT_FOUND', `Could not ${action} ${path} on the worker: it does not exist (or its folder does not). Check the path.`, { cause: err });
  }
  if (e?.code === SFTP_PERMISSION_DENIED) {
    return new WorkbenchError('FORBIDDEN', `Could not ${action} ${path} on the worker: permission denied. Pick a folder your login user can write to, or change its permissions.`, { cause: err });
  }
  if (typeof e?.code === 'number') {
    return new WorkbenchError('INTERNAL', `Could not ${action} ${path} on the worker: ${detail}.`, { cause: err });
  }
  // Not an SFTP status: the channel or connection went away (ssh2 says "No response from server").
  return new WorkbenchError('UNAVAILABLE', `Lost the connection to the worker while trying to ${action} ${path} (${detail}). Reconnect and retry; the transfer resumes where it stopped.`, { cause: err });
}

/**
 * The largest READ and WRITE a channel's server takes in one request: what ssh2 learned through
 * limits@openssh.com (OpenSSH's sftp-server: 255 KiB), else SFTP's safe 32 KiB.
 */
export function requestLimits(sftp: SFTPWrapper): { read: number; write: number } {
  const limits = sftp as unknown as { _maxReadLen?: number; _maxWriteLen?: number };
  return { read: limits._maxReadLen ?? 32 * 1024, write: limits._maxWriteLen ?? 32 * 1024 };
}

export interface RemoteEntry {
  name: string;
  stats: Stats;
}

/** One SFTP channel on a connected client, plus the client for `exec` (hashing). */
export class SftpSession {
  /** Set once the channel is gone; every later call fails with it at once. */
  private closed: WorkbenchError | undefined;
  /** Rejecters of calls in flight. */
  private readonly inFlight = new Set<(err: WorkbenchError) => void>();

  private constructor(
    readonly client: Client,
    readonly sftp: SFTPWrapper,
  ) {
    // When the connection drops, ssh2 fails the requests it has sent, but a request made after
    // that is buffered and never answered: without this, a pipeline would wait forever.
    const onClose = (): void => {
      this.closed ??= new WorkbenchError('UNAVAILABLE', 'Lost the connection to the worker during the transfer. Reconnect and retry; the transfer resumes where it stopped.');
      for (const reject of this.inFlight) reject(this.closed);
      this.inFlight.clear();
    };
    sftp.once('close', onClose);
    sftp.once('end', onClose);
  }

  static open(client: Client): Promise<SftpSession> {
    return new Promise((resolve, reject) => {
      try {
        client.sftp((err, sftp) => (err ? reject(remoteError(err, 'open an SFTP session for', 'the transfer')) : resolve(new SftpSession(client, sftp))));
      } catch (err) {
        reject(remoteError(err, 'open an SFTP session for', 'the transfer'));
      }
    });
  }

  /** One SFTP request as a promise; `fn` gets ssh2's callback. */
  private call<T>(action: string, path: string, fn: (cb: (err: unknown, value: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.closed !== undefined) return reject(this.closed);
      const settle = (err: unknown, value: T): void => {
        if (!this.inFlight.delete(fail)) return;
        if (err) reject(remoteError(err, action, path));
        else resolve(value);
      };
      const fail = (err: WorkbenchError): void => reject(err);
      this.inFlight.add(fail);
      try {
        fn(settle);
      } catch (err) {
        // ssh2 throws synchronously when the channel is already closed.
        settle(err, undefined as T);
      }
    });
  }

  /**
   * Bytes per READ/WRITE request. ssh2 learns the server's limits via limits@openssh.com
   * (OpenSSH's sftp-server: 255 KiB) and splits larger requests itself; asking exactly its limit
   * keeps one request per chunk, so short reads and request counts stay predictable.
   */
  get chunkSize(): { read: number; write: number } {
    return requestLimits(this.sftp);
  }

  close(): void {
    this.sftp.end();
  }

  open(path: string, flags: 'r' | 'r+' | 'w' | 'wx'): Promise<Buffer> {
    const action = flags === 'r' ? 'open' : 'write to';
    return this.call(action, path, (cb) => this.sftp.open(path, flags, cb));
  }

  closeHandle(handle: Buffer, path: string): Promise<void> {
    return this.call('close', path, (cb) => this.sftp.close(handle, (err) => cb(err, undefined)));
  }

  fstat(handle: Buffer, path: string): Promise<Stats> {
    return this.call('read the size of', path, (cb) => this.sftp.fstat(handle, cb));
  }

  /** lstat, or undefined when nothing is there (other errors still throw). */
  async lstatOrNull(path: string): Promise<Stats | undefined> {
    try {
      return await this.call('look at', path, (cb) => this.sftp.lstat(path, cb));
    } catch (err) {
      if (err instanceof WorkbenchError && err.code === 'NOT_FOUND') return undefined;
      throw err;
    }
  }

  async readdir(path: string): Promise<RemoteEntry[]> {
    const list = await this.call<FileEntryWithStats[]>('list', path, (cb) => this.sftp.readdir(path, cb));
    return list.map((entry) => ({ name: entry.filename, stats: entry.attrs as Stats }));
  }

  mkdir(path: string): Promise<void> {
    return this.call('create the folder', path, (cb) => this.sftp.mkdir(path, (err) => cb(err, undefined)));
  }

  unlink(path: string): Promise<void> {
    return this.call('delete', path, (cb) => this.sftp.unlink(path, (err) => cb(err, undefined)));
  }

  /**
   * Renames `from` over `to`. posix-rename@openssh.com replaces an existing `to` atomically; plain
   * SFTP v3 rename refuses an existing target, so without the extension the old file is removed
   * first (a short window where neither exists, the best v3 allows).
   */
  async rename(from: string, to: string): Promise<void> {
    const extensions = (this.sftp as unknown as { _extensions?: Record<string, string> })._extensions ?? {};
    if (extensions['posix-rename@openssh.com'] !== undefined) {
      return this.call('move into place', to, (cb) => this.sftp.ext_openssh_rename(from, to, (err) => cb(err, undefined)));
    }
    if ((await this.lstatOrNull(to)) !== undefined) await this.unlink(to);
    return this.call('move into place', to, (cb) => this.sftp.rename(from, to, (err) => cb(err, undefined)));
  }

  /**
   * Reads up to `length` bytes at `position` into `buffer`; 0 at end of file. OpenSSH answers in
   * full except at EOF, but the protocol allows short reads, so callers loop.
   */
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number, path: string): Promise<number> {
    return this.call<number>('read', path, (cb) =>
      this.sftp.read(handle, buffer, offset, length, position, (err, bytesRead) =>
        err && (err as { code?: unknown }).code === SFTP_EOF ? cb(undefined, 0) : cb(err, bytesRead),
      ),
    );
  }

  write(handle: Buffer, buffer: Buffer, length: number, position: number, path: string): Promise<void> {
    return this.call('write to', path, (cb) => this.sftp.write(handle, buffer, 0, length, position, (err) => cb(err, undefined)));
  }
}
