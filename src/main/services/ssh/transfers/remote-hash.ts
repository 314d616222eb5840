import type { Client, ClientChannel } from 'ssh2';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { shellCommand } from '../shell-quote.ts';

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

/** The message of the error `followRemoteSha256` gives when the worker has no python3. */
export const NO_FOLLOWER = 'The worker has no python3, used to hash uploads as they arrive.';

const FOLLOW_SCRIPT = `
import hashlib, mmap, os, select, sys
path, size = sys.argv[1], int(sys.argv[2])
try:
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
except (AttributeError, OSError):
    os.nice(19)
WINDOW = 8 << 20
digest, done = hashlib.sha256(), 0
fd = os.open(path, os.O_RDONLY)
while done < size:
    have = min(os.fstat(fd).st_size, size)
    if have - done >= min(WINDOW, size - done):
        start = done - done % mmap.ALLOCATIONGRANULARITY
        length = min(start + WINDOW, have) - start
        with mmap.mmap(fd, length, offset=start, access=mmap.ACCESS_READ) as window, memoryview(window) as view:
            digest.update(view[done - start:])
        done = start + length
    elif select.select([0], [], [], 0.01)[0] and not os.read(0, 1):
        sys.exit('stopped before the upload finished')
print(digest.hexdigest())
`;

/**
 * Starts the follower with the system's python3 when there is one: a version manager's shim
 * first on PATH (pyenv, asdf) costs about 0.1 s of CPU per start, and hashlib is all it needs.
 */
const SYSTEM_PYTHON_FIRST = 'p=/usr/bin/python3; [ -x "$p" ] || p=python3; exec "$p" "$@"';

/**
 * Hashes the first `size` bytes of `path` on the worker WHILE an upload writes them: it maps
 * what is already on disk, 8 MiB at a time (no copy into Python), and waits (polling every
 * 10 ms) for more, so the worker's hash is ready moments after the last byte lands instead of
 * costing a second full read afterwards (coreutils sha256sum manages ~300 MB/s, Python's
 * OpenSSL-backed hashlib several times that). It reads the part file, not our data stream, so
 * the check is still of the bytes on the worker's disk. It runs at idle priority: the transfer
 * itself goes first and the hash catches up in the gaps. When stdin closes (stop(), or the
 * connection dies) it exits, so a failed upload leaves no process behind. Workers run Python 3
 * (see resources/worker); without it, `digest` rejects with the NO_FOLLOWER message and the
 * caller falls back to sha256sum afterwards.
 */
export function followRemoteSha256(client: Client, path: string, size: number): { digest: Promise<string>; stop: () => void } {
  return runDigest(client, ['sh', '-c', SYSTEM_PYTHON_FIRST, 'sh', '-c', FOLLOW_SCRIPT, path, String(size)], path, NO_FOLLOWER);
}

/**
 * Files at least this large are hashed by the Python follower, in either direction: starting
 * Python (tens of ms) then pays for itself in hashing speed. Smaller ones use sha256sum.
 */
export const FOLLOW_FROM = 16 * 1024 * 1024;

export interface WorkerHash {
  /** The worker's digest; call once the file is complete there. */
  digest(): Promise<string>;
  /** Gives up (the transfer failed): a follower still waiting for bytes exits. */
  stop(): void;
}

/**
 * Starts the worker's SHA-256 of `path` (`size` bytes) as early as it can run: at once when the
 * file is already complete there (downloads) or will be followed as it grows (large uploads);
 * otherwise `digest()` runs sha256sum then. A worker without python3 falls back to sha256sum.
 */
export function workerSha256(client: Client, path: string, size: number, options: { complete: boolean }): WorkerHash {
  const early =
    size >= FOLLOW_FROM ? followRemoteSha256(client, path, size) : options.complete ? { digest: remoteSha256(client, path), stop: () => {} } : undefined;
  // Settled into a value now, so that a transfer failing first never leaves a rejection unhandled.
  const settled = early?.digest.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return {
    async digest() {
      const result = await settled;
      if (result !== undefined && 'value' in result) return result.value;
      const error = result?.error;
      if (error !== undefined && !(error instanceof WorkbenchError && error.message === NO_FOLLOWER)) throw error;
      return remoteSha256(client, path);
    },
    stop: () => early?.stop(),
  };
}
