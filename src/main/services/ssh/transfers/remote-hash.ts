import type { Client, ClientChannel } from 'ssh2';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { shellCommand } from '../shell-quote.ts';
import { workerProgram } from '../../workers/worker-programs.ts';

/**
 * SHA-256 of files on the worker, computed there, so the check covers everything between our
 * memory and the worker's disk. Paths reach the command as single-quoted words (after `--` where
 * the command parses options), so spaces, quotes, newlines and leading dashes arrive intact.
 */

const HEX = /^\\?([0-9a-f]{64})\b/;

/**
 * Runs `argv` on the worker and resolves with the hex digest it prints first. Closing stdin (the
 * returned `stop`) is the command's signal to give up; `noCommand` is raised for exit code 127.
 */
function runDigest(client: Client, argv: string[], path: string, noCommand: string): { digest: Promise<string>; stop: () => void } {
  let channel: ClientChannel | undefined;
  let stopped = false;
  const digest = new Promise<string>((resolve, reject) => {
    const started = (err: Error | undefined, opened?: ClientChannel): void => {
      if (err !== undefined || opened === undefined) {
        reject(new WorkbenchError('UNAVAILABLE', `Could not start verifying ${path} on the worker: ${err?.message ?? 'no channel'}. Reconnect and retry.`, { cause: err }));
        return;
      }
      channel = opened;
      if (stopped) channel.end();
      let stdout = '';
      let stderr = '';
      let code: number | null = null;
      channel.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      channel.on('exit', (c: number | null) => (code = c));
      channel.on('close', () => {
        // GNU sha256sum escapes names holding `\` or newlines and then starts the line with `\`.
        const hex = HEX.exec(stdout)?.[1];
        if (code === 0 && hex !== undefined) return resolve(hex);
        if (code === 127) return reject(new WorkbenchError('UNAVAILABLE', noCommand, { retryable: false }));
        const why = stderr.trim() || (code === null ? 'the connection closed' : `exit code ${code}`);
        const kind = /No such file/i.test(why) ? 'NOT_FOUND' : /Permission denied/i.test(why) ? 'FORBIDDEN' : code === null ? 'UNAVAILABLE' : 'INTERNAL';
        reject(new WorkbenchError(kind, `Could not verify ${path} on the worker (${why}).`));
      });
    };
    try {
      client.exec(shellCommand(argv), (err, opened) => started(err, opened));
    } catch (err) {
      // ssh2 throws when the connection is already gone.
      started(err as Error);
    }
  });
  return {
    digest,
    stop: () => {
      stopped = true;
      channel?.end();
    },
  };
}

/** `sha256sum -- path` on the worker. */
export function remoteSha256(client: Client, path: string): Promise<string> {
  return runDigest(client, ['sha256sum', '--', path], path, 'The worker has no sha256sum command, needed to verify transfers; install coreutils on the worker.').digest;
}

/**
 * Starts the service with the system's python3 when there is one: a version manager's shim
 * first on PATH (pyenv, asdf) adds its own start-up to every service, and hashlib is all the
 * service needs.
 */
const SYSTEM_PYTHON_FIRST = 'p=/usr/bin/python3; [ -x "$p" ] || p=python3; exec "$p" "$@"';

/** A service with nothing to hash for this long exits; the next file starts a new one. */
const SERVICE_IDLE_MS = 30_000;

interface Pending {
  path: string;
  resolve: (hex: string) => void;
  reject: (err: unknown) => void;
}

/**
 * The worker's hashing service on one connection: resources/worker/hash_service.py (its protocol
 * is described there), one Python process started with the first file to verify and kept while
 * files keep coming, so verifying a file costs a line on a channel instead of a new SSH session,
 * which would start the user's login shell for every file. Requests go out on its stdin, answers
 * come back by id.
 */
class HashService {
  private readonly pending = new Map<string, Pending>();
  private nextId = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Set once the service is gone; later requests are refused with it. */
  private ended: (() => WorkbenchError) | undefined;

  /** `onGone` is told when the service ends, and whether that was for want of python3 (exit 127). */
  private constructor(
    private readonly channel: ClientChannel,
    private readonly onGone: (noPython: boolean) => void,
  ) {
    let buffered = '';
    let stderr = '';
    channel.on('data', (data: Buffer) => {
      buffered += data.toString('utf8');
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        this.answer(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    });
    channel.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString('utf8')).slice(-2000)));
    let code: number | null = null;
    channel.on('exit', (exitCode: number | null) => (code = exitCode));
    channel.on('close', () => {
      clearTimeout(this.idleTimer);
      const noPython = code === 127;
      const why = stderr.trim() || (code === null ? 'the connection closed' : `exit code ${code}`);
      this.ended = () =>
        noPython ? new WorkbenchError('UNAVAILABLE', NO_PYTHON, { retryable: false }) : new WorkbenchError('UNAVAILABLE', `The worker's hashing service stopped (${why}). Retry.`);
      for (const [, request] of this.pending) request.reject(this.ended());
      this.pending.clear();
      onGone(noPython);
    });
  }

  static start(client: Client, onGone: (noPython: boolean) => void): Promise<HashService> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error | undefined): void =>
        reject(new WorkbenchError('UNAVAILABLE', `Could not start verifying on the worker: ${err?.message ?? 'no channel'}. Reconnect and retry.`, { cause: err }));
      try {
        client.exec(shellCommand(['sh', '-c', SYSTEM_PYTHON_FIRST, 'sh', '-c', workerProgram('hash_service.py')]), (err, channel) => {
          if (err !== undefined || channel === undefined) return fail(err);
          resolve(new HashService(channel, onGone));
        });
      } catch (err) {
        // ssh2 throws when the connection is already gone.
        fail(err as Error);
      }
    });
  }

  hash(path: string, size: number): { digest: Promise<string>; stop: () => void } {
    const id = String(this.nextId++);
    clearTimeout(this.idleTimer);
    const digest = new Promise<string>((resolve, reject) => {
      if (this.ended !== undefined) return reject(this.ended());
      this.pending.set(id, { path, resolve, reject });
      this.channel.write(`hash ${id} ${size} ${JSON.stringify(path)}\n`);
    });
    return { digest, stop: () => this.pending.has(id) && this.ended === undefined && this.channel.write(`stop ${id}\n`) };
  }

  /** Idle: later files start a new service; closing stdin ends this one. */
  private retire(): void {
    this.ended = () => new WorkbenchError('UNAVAILABLE', "The worker's hashing service was idle and ended. Retry.");
    this.onGone(false);
    this.channel.end();
  }

  private answer(line: string): void {
    const [id = '', outcome, ...rest] = line.split(' ');
    const request = this.pending.get(id);
    if (request === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) {
      this.idleTimer = setTimeout(() => this.retire(), SERVICE_IDLE_MS);
      this.idleTimer.unref();
    }
    const detail = rest.join(' ');
    if (outcome === 'ok' && /^[0-9a-f]{64}$/.test(detail)) return request.resolve(detail);
    if (outcome === 'stopped') return request.reject(new WorkbenchError('CANCELLED', `Stopped verifying ${request.path}.`));
    let why = detail;
    try {
      why = String(JSON.parse(detail));
    } catch {
      /* shown as sent */
    }
    const kind = /No such file/i.test(why) ? 'NOT_FOUND' : /Permission denied/i.test(why) ? 'FORBIDDEN' : 'INTERNAL';
    request.reject(new WorkbenchError(kind, `Could not verify ${request.path} on the worker (${why}).`));
  }
}

/** The message the service's requests fail with when the worker has no python3. */
const NO_PYTHON = 'The worker has no python3, used to verify transfers.';

/** Per connection: the running service, or 'none' once the worker turned out to have no python3. */
const services = new WeakMap<Client, Promise<HashService> | 'none'>();

function serviceFor(client: Client): Promise<HashService> | 'none' {
  let service = services.get(client);
  if (service === undefined) {
    service = HashService.start(client, (noPython) => {
      if (noPython) services.set(client, 'none');
      else if (services.get(client) === service) services.delete(client);
    });
    // A failed start is not remembered: the next file tries again.
    service.catch(() => services.get(client) === service && services.delete(client));
    services.set(client, service);
  }
  return service;
}

/** SHA-256 of the first `size` bytes of `path` on the worker, waiting for them to arrive. */
function serviceSha256(client: Client, path: string, size: number): { digest: Promise<string>; stop: () => void } {
  const service = serviceFor(client);
  if (service === 'none') return { digest: Promise.reject(new WorkbenchError('UNAVAILABLE', NO_PYTHON, { retryable: false })), stop: () => {} };
  let stop = (): void => {};
  let stopped = false;
  const digest = service.then((running) => {
    const request = running.hash(path, size);
    stop = request.stop;
    if (stopped) stop();
    return request.digest;
  });
  return {
    digest,
    stop: () => {
      stopped = true;
      stop();
    },
  };
}

/**
 * Uploads at least this large are hashed on the worker while they arrive; smaller ones once
 * they are complete (one round trip, where following would poll).
 */
export const FOLLOW_FROM = 16 * 1024 * 1024;

export interface WorkerHash {
  /** The worker's digest; call once the file is complete there. */
  digest(): Promise<string>;
  /** Gives up (the transfer failed): a hash still waiting for bytes ends. */
  stop(): void;
}

/**
 * Starts the worker's SHA-256 of `path` (`size` bytes) as early as it can run: at once when the
 * file is already complete there (downloads) or will be followed as it grows (large uploads);
 * otherwise when `digest()` is called. A worker without python3 is verified with sha256sum.
 */
export function workerSha256(client: Client, path: string, size: number, options: { complete: boolean }): WorkerHash {
  const early = size >= FOLLOW_FROM || options.complete ? serviceSha256(client, path, size) : undefined;
  // Settled into a value now, so that a transfer failing first never leaves a rejection unhandled.
  const settled = early?.digest.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return {
    async digest() {
      const result = await (settled ??
        serviceSha256(client, path, size).digest.then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ));
      if ('value' in result) return result.value;
      if (!(result.error instanceof WorkbenchError && result.error.message === NO_PYTHON)) throw result.error;
      return remoteSha256(client, path);
    },
    stop: () => early?.stop(),
  };
}
