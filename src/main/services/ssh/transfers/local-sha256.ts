import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { localError } from './local-errors.ts';
import { changed } from './pipeline.ts';

/**
 * SHA-256 of a local file's first `size` bytes, computed on a worker thread at low priority. A
 * transfer's own thread is busy framing, encrypting and writing SSH packets; hashing there too made
 * it the slowest stage of a large upload (about a quarter of its CPU). On its own thread, below
 * the transfer's priority, the hash uses the time the transfer leaves free. For a file still being
 * written (a download's part file) the writer says how far the file is complete (`advance`) and
 * the hasher follows behind.
 *
 * The hasher reads the file itself rather than being handed the bytes the upload sent. That is
 * still an end-to-end check: the worker hashes what landed on its disk, and if the two digests
 * agree, the bytes there are the bytes here (a file changed mid-upload shows up as a mismatch
 * and the upload fails instead of being marked done). Handing the upload's blocks over in shared
 * memory instead, read once on the hasher's thread, measured slower: the transfer then waited on
 * a thread that competes for the same two cores as sshd.
 */

// Plain CommonJS, evaluated by the Worker: no separate entry file for bundlers to find. On Linux
// a nice value is per thread, so setPriority lowers this thread only; elsewhere it would lower
// the whole app, so it is left alone there.
const HASHER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, openSync, readSync } = require('node:fs');
const { createHash } = require('node:crypto');
if (process.platform === 'linux') require('node:os').setPriority(19);
const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
parentPort.on('message', ({ path, size, stop, complete }) => {
  const stopped = new Int32Array(stop);
  const ready = new BigInt64Array(complete);
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    for (let position = 0; position < size; ) {
      if (Atomics.load(stopped, 0) !== 0) return parentPort.postMessage({ stopped: true });
      const available = Number(Atomics.load(ready, 0));
      if (available <= position) {
        Atomics.wait(ready, 0, BigInt(available), 1000);
        continue;
      }
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, available - position), position);
      if (read === 0) return parentPort.postMessage({ shorter: true });
      hash.update(buffer.subarray(0, read));
      position += read;
    }
    parentPort.postMessage({ hex: hash.digest('hex') });
  } catch (err) {
    parentPort.postMessage({ error: { code: err && err.code, message: String(err && err.message) } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
`;

type HasherReply = { hex: string } | { stopped: true } | { shorter: true } | { error: { code?: string; message: string } };

/** Idle hashers, kept for the next file; they never keep the app from exiting. */
const idle: Worker[] = [];
const KEEP_IDLE = 2;

function takeHasher(): Worker {
  const worker = idle.pop() ?? new Worker(HASHER_SOURCE, { eval: true });
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
