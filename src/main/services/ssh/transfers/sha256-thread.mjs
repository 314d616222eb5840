import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

/**
 * The hasher thread of local-sha256.ts. Each message asks for the SHA-256 of bytes [0, size) of
 * a file: `{ path, size, stop, complete }`, where `stop` is a shared Int32 set to non-zero to give
 * up and `complete` a shared BigInt64 saying how many bytes of the file are written so far (the
 * thread waits on it for more). Each message gets one reply: `{ hex }`, `{ stopped: true }`,
 * `{ shorter: true }` (the file ended before `size`) or `{ error: { code, message } }`.
 *
 * Plain JavaScript so that Node runs this file as it is, from the source tree as from the build
 * (where it is an entry of its own, out/main/sha256-thread.js).
 */

// On Linux a nice value is per thread, so this lowers the hasher only and the transfer goes
// first; elsewhere it would lower the whole app, so it is left alone there.
if (process.platform === 'linux') setPriority(19);

const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);

parentPort?.on('message', ({ path, size, stop, complete }) => {
  const stopped = new Int32Array(stop);
  const ready = new BigInt64Array(complete);
  let fd;
  try {
    fd = openSync(path, 'r');
    const hash = createHash('sha256');
    for (let position = 0; position < size; ) {
      if (Atomics.load(stopped, 0) !== 0) return parentPort?.postMessage({ stopped: true });
      const available = Number(Atomics.load(ready, 0));
      if (available <= position) {
        Atomics.wait(ready, 0, BigInt(available), 1000);
        continue;
      }
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, available - position), position);
      if (read === 0) return parentPort?.postMessage({ shorter: true });
      hash.update(buffer.subarray(0, read));
      position += read;
    }
    parentPort?.postMessage({ hex: hash.digest('hex') });
  } catch (err) {
    parentPort?.postMessage({ error: { code: err?.code, message: String(err?.message) } });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
});
