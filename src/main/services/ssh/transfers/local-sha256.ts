import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { localError } from './local-errors.ts';
import { changed } from './pipeline.ts';

/**
 * SHA-256 of a local file's first `size` bytes, computed on a worker thread (sha256-thread.mjs)
 * at low priority. A transfer's own thread is busy framing, encrypting and writing SSH packets;
 * on a thread of its own, below the transfer's priority, the hash uses the time the transfer
 * leaves free instead of slowing it down. For a file still being written (a download's part
 * file) the writer says how far the file is complete (`advance`) and the hasher follows behind.
 *
 * The hasher reads the file itself rather than being handed the bytes the upload sent. That is
 * still an end-to-end check: the worker hashes what landed on its disk, and if the two digests
 * agree, the bytes there are the bytes here (a file changed mid-upload shows up as a mismatch
 * and the upload fails instead of being marked done). Handing the upload's blocks over instead
 * would make the transfer wait on the hasher, a thread competing for the same CPUs as sshd.
 */

/**
 * The hasher thread's file: beside this module in the source tree; in the build, the main
 * bundle's entry out/main/sha256-thread.js, a folder above the shared chunk holding this code.
 */
let threadFile: string | undefined;

function hasherThreadFile(): string {
  // From `__filename`: tsx, loading TypeScript for an ES module, sets it but not `__dirname`.
  const here = dirname(__filename);
  threadFile ??= [join(here, 'sha256-thread.mjs'), join(here, '..', 'sha256-thread.js'), join(here, 'sha256-thread.js')].find((path) => existsSync(path));
  if (threadFile === undefined) throw new WorkbenchError('INTERNAL', `The app's hasher thread (sha256-thread.js) is missing beside ${here}. Reinstall the app.`);
  return threadFile;
}

type HasherReply = { hex: string } | { stopped: true } | { shorter: true } | { error: { code?: string; message: string } };

/** Idle hashers, kept for the next file; they never keep the app from exiting. */
const idle: Worker[] = [];
const KEEP_IDLE = 2;

function takeHasher(): Worker {
  const worker = idle.pop() ?? new Worker(hasherThreadFile());
  worker.unref();
  return worker;
}

function giveBack(worker: Worker): void {
  if (idle.length < KEEP_IDLE) idle.push(worker);
  else void worker.terminate();
}

export interface LocalHash {
  /** Hex SHA-256; rejects with a WorkbenchError naming the path. */
  digest: Promise<string>;
  /** Bytes [0, end) of the file are now written and may be hashed. */
  advance(end: number): void;
  /** Gives up (the transfer failed); `digest` then rejects. */
  stop(): void;
}

/** Files smaller than this are hashed here, once complete: a thread's round trip costs more. */
const ON_THREAD_FROM = 1024 * 1024;

/** A small file's hash, computed on this thread once all of it is written. */
function hashHere(path: string, size: number, complete: number): LocalHash {
  let start!: () => void;
  const whole = new Promise<void>((resolve) => (start = resolve));
  if (complete >= size) start();
  let stopped = false;
  const digest = whole.then(async () => {
    if (stopped) throw new WorkbenchError('CANCELLED', `Stopped hashing ${path}.`);
    const bytes = Buffer.allocUnsafe(size);
    let file;
    try {
      file = await open(path, 'r');
      for (let done = 0; done < size; ) {
        const { bytesRead } = await file.read(bytes, done, size - done, done);
        if (bytesRead === 0) throw changed(path, 'on this computer');
        done += bytesRead;
      }
    } catch (err) {
      throw localError(err, 'read', path);
    } finally {
      await file?.close();
    }
    return createHash('sha256').update(bytes).digest('hex');
  });
  digest.catch(() => undefined);
  return {
    digest,
    advance: (end) => end >= size && start(),
    stop: () => {
      stopped = true;
      start();
    },
  };
}

/**
 * Starts hashing bytes [0, size) of `path`, as far as they are complete: `complete` bytes now
 * (all of them, by default), more as `advance` says. Large files go to a worker thread.
 */
export function localSha256(path: string, size: number, options: { complete?: number } = {}): LocalHash {
  if (size < ON_THREAD_FROM) return hashHere(path, size, options.complete ?? size);
  const stop = new SharedArrayBuffer(4);
  const complete = new BigInt64Array(new SharedArrayBuffer(8));
  complete[0] = BigInt(options.complete ?? size);
  const worker = takeHasher();
  const digest = new Promise<string>((resolve, reject) => {
    const settle = (reply: HasherReply): void => {
      worker.off('error', crashed);
      giveBack(worker);
      if ('hex' in reply) resolve(reply.hex);
      else if ('stopped' in reply) reject(new WorkbenchError('CANCELLED', `Stopped hashing ${path}.`));
      else if ('shorter' in reply) reject(changed(path, 'on this computer'));
      else reject(localError(Object.assign(new Error(reply.error.message), { code: reply.error.code }), 'read', path));
    };
    const crashed = (err: Error): void => {
      worker.off('message', settle);
      reject(new WorkbenchError('INTERNAL', `Could not hash ${path}: ${err.message}`, { cause: err }));
    };
    worker.once('message', settle);
    worker.once('error', crashed);
  });
  // A transfer that fails first never asks for the digest.
  digest.catch(() => undefined);
  worker.postMessage({ path, size, stop, complete: complete.buffer });
  return {
    digest,
    advance(end) {
      Atomics.store(complete, 0, BigInt(end));
      Atomics.notify(complete, 0);
    },
    stop() {
      Atomics.store(new Int32Array(stop), 0, 1);
      Atomics.notify(complete, 0);
    },
  };
}
