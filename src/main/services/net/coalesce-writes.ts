import type { Writable } from 'node:stream';

/**
 * Makes every write to `stream` within one tick of the event loop go out together: the first
 * write of a tick corks the stream and the next tick uncorks it (the batching pattern Node's
 * documentation gives for `writable.cork()`), so a socket hands the kernel one writev instead
 * of a system call per write. Nothing waits longer than the tick it was written in.
 *
 * For SSH this matters because ssh2 writes every packet (at most 32 KiB of channel data) on its
 * own: without this, a large upload is one send call per packet, each paying the kernel's
 * per-send work on both ends of the connection.
 */
export function coalesceWrites<T extends Writable>(stream: T): T {
  const write = stream.write;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    stream.uncork();
  };
  stream.write = function coalescedWrite(this: T, ...args: Parameters<Writable['write']>): boolean {
    if (!corked) {
      corked = true;
      stream.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as T['write'];
  return stream;
}
