import { promisify } from 'node:util';
import { deflateRawSync, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

export interface GzipMembersOptions {
  level: number;
  /** Receives the compressed members in input order, one at a time (awaited). */
  onMember: (member: Buffer) => Promise<void> | void;
  /** Input bytes per member; a member also ends where the input switches to or from stored data. */
  blockBytes?: number;
  /** Members compressed at once. */
  parallel?: number;
}

/** libuv's thread pool, which runs zlib and file reads alike. */
const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE) || 4;

/**
 * Compressions at once: every pool thread but one, even past the number of cores, so the
 * cores stay busy with the others while the main thread hands a finished thread its next
 * member; the thread left free keeps file reads from queueing behind every compression.
 */
export function defaultParallelism(): number {
  return Math.max(1, POOL_THREADS - 1);
}

/**
 * gzip as pigz does it: the input cut into fixed-size blocks, each compressed on the thread
 * pool as its own gzip member, a few at a time, and handed on in order. Concatenated members
 * are one valid .gz (RFC 1952; gzip -d, GNU tar, Python's tarfile and Node all read them).
 * Cut points depend only on the bytes written and on which of them are marked stored, never on
 * how they were chunked, so the output is as reproducible as one stream. Memory stays at a
 * few blocks: write() waits while `parallel + 2` blocks are compressing or waiting their turn.
 * Members carry zlib's header: no name, time 0.
 *
 * Data written as stored (see looksIncompressible) goes into members of its own at level 0:
 * deflate cannot shrink it, and level 0 skips the search for matches that would not be found.
 */
export class GzipMembers {
  private readonly level: number;
  private readonly blockBytes: number;
  private readonly parallel: number;
  private readonly onMember: (member: Buffer) => Promise<void> | void;
  private block: Buffer;
  /** Blocks whose compression is done, to fill again: no new memory per member. */
  private readonly spare: Buffer[] = [];
  private filled = 0;
  private stored = false;
  private members = 0;
  private running = 0;
  private readonly waitingToRun: (() => void)[] = [];
  /** Each submitted member's hand-over, oldest first. */
  private readonly outstanding: Promise<void>[] = [];
  private handedOver: Promise<void> = Promise.resolve();

  constructor(options: GzipMembersOptions) {
    this.level = options.level;
    this.blockBytes = options.blockBytes ?? 1024 * 1024;
    this.parallel = options.parallel ?? defaultParallelism();
    this.onMember = options.onMember;
    this.block = Buffer.allocUnsafeSlow(this.blockBytes);
  }

  /**
   * Adds `data` to the stream (copied: the caller may reuse it once this returns). Callers
   * write one chunk at a time, waiting for each; a failed compression or hand-over is thrown
   * here or by end().
   */
  async write(data: Buffer, stored = false): Promise<void> {
    if (stored !== this.stored) {
      if (this.filled > 0) await this.cut();
      this.stored = stored;
    }
    for (let at = 0; at < data.length; ) {
      const n = Math.min(data.length - at, this.blockBytes - this.filled);
      data.copy(this.block, this.filled, at, at + n);
      this.filled += n;
      at += n;
      if (this.filled === this.blockBytes) await this.cut();
    }
  }

  /** Compresses what is left (an empty input still makes one empty member) and waits for every hand-over. */
  async end(): Promise<void> {
    if (this.filled > 0 || this.members === 0) this.submit();
    while (this.outstanding.length > 0) await this.outstanding.shift();
  }

  /** Lets every started compression finish and drops what is left: after a failure or a cancel. */
  async discard(): Promise<void> {
    this.filled = 0;
    await Promise.allSettled(this.outstanding.splice(0));
  }

  private async cut(): Promise<void> {
    this.submit();
    while (this.outstanding.length >= this.parallel + 2) await this.outstanding.shift();
  }

  private submit(): void {
    const block = this.block;
    const input = block.subarray(0, this.filled);
    const level = this.stored ? 0 : this.level;
    this.block = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.blockBytes);
    this.filled = 0;
    this.members += 1;
    const compressed = this.whenThreadFree(() => gzipAsync(input, { level, chunkSize: outputBound(input.length) }));
    void compressed.finally(() => this.spare.push(block)).catch(() => undefined);
    compressed.catch(() => undefined); // awaited in order below
    this.handedOver = this.handedOver.then(async () => this.onMember(await compressed));
    const mine = this.handedOver;
    mine.catch(() => undefined); // thrown by write() or end(), whichever waits for it
    this.outstanding.push(mine);
  }

  private async whenThreadFree<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.parallel) await new Promise<void>((resolve) => this.waitingToRun.push(resolve));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waitingToRun.shift()?.();
    }
  }
}

/**
 * Room for a whole member in one output buffer (deflate's worst case plus gzip's header and
 * trailer), so each member is compressed in one pass on the pool instead of returning to the
 * main thread for every 16 KiB of output.
 */
function outputBound(inputBytes: number): number {
  return Math.max(64 * 1024, inputBytes + (inputBytes >> 8) + 1024);
}

const SAMPLE_BYTES = 4 * 1024;

/**
 * Whether deflate can shrink none of three samples (start, middle, end) of `data`: data that
 * is already compressed (archives, images, compressed columns) or random. Deciding on samples
 * keeps the test cheap; it depends only on the bytes, so the output stays reproducible.
 */
export function looksIncompressible(data: Buffer): boolean {
  if (data.length < 4 * SAMPLE_BYTES) return false;
  const middle = Math.floor((data.length - SAMPLE_BYTES) / 2);
  const samples = Buffer.concat([data.subarray(0, SAMPLE_BYTES), data.subarray(middle, middle + SAMPLE_BYTES), data.subarray(data.length - SAMPLE_BYTES)]);
  return deflateRawSync(samples, { level: 1, memLevel: 9 }).length >= samples.length;
}
