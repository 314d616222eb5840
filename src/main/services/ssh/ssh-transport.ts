import { posix } from 'node:path';
import { readdir, stat, mkdir as mkdirLocal } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client, SFTPWrapper, Stats } from 'ssh2';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { ExecResult, FileSlice, Transport, UploadOptions } from '../workers/transport.ts';
import { readSlice } from './read-slice.ts';
import { shellCommand } from './shell-quote.ts';
import { checkPlainName } from './transfers/plain-name.ts';

const NO_SUCH_FILE = 2;

/** Runs argv on the worker (quoted for its shell), collecting output. */
export function execRemote(client: Client, argv: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  const command = options.cwd ? `cd ${shellCommand([options.cwd])} && ${shellCommand(argv)}` : shellCommand(argv);
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(new WorkbenchError('UNAVAILABLE', `Could not run ${argv[0]} on the worker: ${err.message}`, { cause: err }));
      const out: Buffer[] = [];
      const errOut: Buffer[] = [];
      const timer = options.timeoutMs ? setTimeout(() => stream.close(), options.timeoutMs) : undefined;
      stream.on('data', (chunk: Buffer) => out.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => errOut.push(chunk));
      stream.on('close', (code: number | null) => {
        clearTimeout(timer);
        resolve({ code: code ?? 255, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
      });
    });
  });
}

const lostConnections = new WeakMap<Client, Promise<never>>();

/**
 * Rejects when the connection closes. SFTP and exec calls are raced against it: a request in
 * flight when the connection drops may otherwise never be answered, and a caller (the log
 * follower, a transfer) would wait forever instead of retrying on the next connection.
 */
export function connectionLost(client: Client): Promise<never> {
  let lost = lostConnections.get(client);
  if (!lost) {
    lost = new Promise<never>((_, reject) => client.once('close', () => reject(new WorkbenchError('UNAVAILABLE', 'The connection to the worker dropped.'))));
    lost.catch(() => {}); // observed by whoever races it; never an unhandled rejection
    lostConnections.set(client, lost);
  }
  return lost;
}

const closedChannels = new WeakMap<SFTPWrapper, Promise<never>>();

/** Rejects when an SFTP channel closes (raced like connectionLost, for the same reason). */
function channelClosed(sftp: SFTPWrapper): Promise<never> {
  let closed = closedChannels.get(sftp);
  if (!closed) {
    closed = new Promise<never>((_, reject) => sftp.once('close', () => reject(new WorkbenchError('UNAVAILABLE', 'The file channel to the worker closed.'))));
    closed.catch(() => {});
    closedChannels.set(sftp, closed);
  }
  return closed;
}

export function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => client.sftp((err, sftp) => (err ? reject(new WorkbenchError('UNAVAILABLE', `The worker refused SFTP: ${err.message}`, { cause: err })) : resolve(sftp))));
}

/** An ssh2 callback-style call as a promise. */
export function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

export function isNoSuchFile(err: unknown): boolean {
  return (err as { code?: unknown }).code === NO_SUCH_FILE;
}

/**
 * A worker reached over SSH as a Transport: commands through exec (argv quoted), files
 * through SFTP. The same job protocol runs on it as on this computer.
 */
export class SshTransport implements Transport {
  private sftpSession: { client: Client; sftp: Promise<SFTPWrapper> } | undefined;

  constructor(
    private readonly connect: () => Promise<Client>,
    readonly root: string,
  ) {}

  /**
   * One SFTP channel per connection, reused; forgotten when it closes. The channel can die
   * while the connection lives (its server process killed), and a dead channel must not be
   * handed out again.
   */
  private sftpFor(client: Client): Promise<SFTPWrapper> {
    if (this.sftpSession?.client !== client) {
      const session = { client, sftp: openSftp(client) };
      this.sftpSession = session;
      const forget = () => {
        if (this.sftpSession === session) this.sftpSession = undefined;
      };
      session.sftp.then((sftp) => sftp.once('close', forget), forget);
    }
    return this.sftpSession.sftp;
  }

  async exec(argv: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const client = await this.connect();
    return Promise.race([execRemote(client, argv, options), connectionLost(client)]);
  }

  /** Runs SFTP work on the current connection, failing fast if that connection drops. */
  private async withSftp<T>(work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    const client = await this.connect();
    const lost = connectionLost(client);
    const sftp = await Promise.race([this.sftpFor(client), lost]);
    return Promise.race([work(sftp), lost, channelClosed(sftp)]);
  }

  readFrom(path: string, offset: number, limit: number): Promise<FileSlice | undefined> {
    return this.withSftp((sftp) => this.readWith(sftp, path, offset, limit));
  }

  private async readWith(sftp: SFTPWrapper, path: string, offset: number, limit: number): Promise<FileSlice | undefined> {
    let handle: Buffer;
    try {
      handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
    } catch (err) {
      if (isNoSuchFile(err)) return undefined;
      throw err;
    }
    try {
      const { size } = await call<Stats>((cb) => sftp.fstat(handle, cb));
      const length = Math.max(0, Math.min(limit, size - offset));
      const data = Buffer.allocUnsafe(length);
      const done = length > 0 ? await readSlice(sftp, handle, data, offset) : 0;
      return { data: data.subarray(0, done), size };
    } finally {
      await call<void>((cb) => sftp.close(handle, (err) => cb(err, undefined)));
    }
  }

  exists(path: string): Promise<boolean> {
    return this.withSftp((sftp) =>
      call<Stats>((cb) => sftp.stat(path, cb)).then(
        () => true,
        (err: unknown) => {
          if (isNoSuchFile(err)) return false;
          throw err;
        },
      ),
    );
  }

  async mkdir(path: string): Promise<void> {
    const result = await this.exec(['mkdir', '-p', '--', path]);
    if (result.code !== 0) throw new WorkbenchError('PERMISSION_DENIED', `Could not create ${path} on the worker: ${result.stderr.trim()}`);
  }

  writeFile(path: string, data: string | Uint8Array): Promise<void> {
    return this.withSftp(async (sftp) => {
      const temp = `${path}.wbtmp-${process.pid}`;
      await call<void>((cb) => sftp.writeFile(temp, Buffer.from(data), (err) => cb(err, undefined)));
      // posix-rename replaces an existing file atomically, where plain SFTP rename refuses.
      await call<void>((cb) => sftp.ext_openssh_rename(temp, path, (err) => cb(err, undefined)));
    });
  }

  async uploadDir(localDir: string, remoteDir: string, options: UploadOptions = {}): Promise<void> {
    await this.mkdir(remoteDir);
    await this.withSftp((sftp) => this.uploadWith(sftp, localDir, remoteDir, options.ignore, options.onFile));
  }

  private async uploadWith(sftp: SFTPWrapper, localDir: string, remoteDir: string, ignore?: (relativePath: string) => boolean, onFile?: UploadOptions['onFile']): Promise<void> {
    const walk = async (rel: string): Promise<void> => {
      for (const entry of (await readdir(join(localDir, rel), { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const child = rel ? `${rel}/${entry.name}` : entry.name;
        if (ignore?.(child)) continue;
        if (entry.isDirectory()) {
          await call<void>((cb) => sftp.mkdir(posix.join(remoteDir, child), (err) => cb(err, undefined)));
          await walk(child);
        } else if (entry.isFile()) {
          await call<void>((cb) => sftp.fastPut(join(localDir, child), posix.join(remoteDir, child), (err) => cb(err, undefined)));
          if (onFile) onFile(child, (await stat(join(localDir, child))).size);
        } else {
          throw new WorkbenchError('BAD_INPUT', `${join(localDir, child)} is not a regular file or folder; only those are copied.`);
        }
      }
    };
    await walk('');
  }

  downloadDir(remoteDir: string, localDir: string): Promise<{ path: string; bytes: number }[]> {
    return this.withSftp((sftp) => this.downloadWith(sftp, remoteDir, localDir));
  }

  private async downloadWith(sftp: SFTPWrapper, remoteDir: string, localDir: string): Promise<{ path: string; bytes: number }[]> {
    const copied: { path: string; bytes: number }[] = [];
    const walk = async (rel: string): Promise<void> => {
      await mkdirLocal(join(localDir, rel), { recursive: true });
      const entries = await call<{ filename: string; attrs: Stats }[]>((cb) => sftp.readdir(posix.join(remoteDir, rel), cb));
      for (const entry of entries) checkPlainName(entry.filename, posix.join(remoteDir, rel), 'the worker');
      for (const entry of entries.sort((a, b) => (a.filename < b.filename ? -1 : 1))) {
        const child = rel ? `${rel}/${entry.filename}` : entry.filename;
        if (entry.attrs.isDirectory()) await walk(child);
        else if (entry.attrs.isFile()) {
          await call<void>((cb) => sftp.fastGet(posix.join(remoteDir, child), join(localDir, child), (err) => cb(err, undefined)));
          copied.push({ path: child, bytes: (await stat(join(localDir, child))).size });
        }
      }
    };
    await walk('');
    return copied;
  }
}
