import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/**
 * gzip as pigz does it: the input cut into fixed-size blocks, each compressed on the thread
 * pool as its own gzip member, a few at a time, and written in order. Concatenated members are
 * one valid .gz (RFC 1952; gzip -d, GNU tar, Python's tarfile and Node all read them). The
 * cut points depend only on the bytes, so the output is as reproducible as one stream; memory
 * stays at about `parallel` blocks. Members carry zlib's header: no name, time 0.
 */
export class ParallelGzip extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly inFlight: Promise<Buffer>[] = [];
  private members = 0;

  constructor(
    private readonly level: number,
    private readonly blockBytes = 4 * 1024 * 1024,
    private readonly parallel = Math.min(4, Math.max(2, availableParallelism())),
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.drainFull().then(() => done(), done);
  }

  override _flush(done: TransformCallback): void {
    // The last partial block; an empty input still makes one (empty) member.
    if (this.pendingBytes > 0 || this.members === 0) this.start(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
    this.emitAll(0).then(() => done(), done);
  }

  private async drainFull(): Promise<void> {
    while (this.pendingBytes >= this.blockBytes) {
      const all = Buffer.concat(this.pending);
      const rest = all.subarray(this.blockBytes);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      this.start(all.subarray(0, this.blockBytes));
      await this.emitAll(this.parallel - 1);
    }
  }

  private start(block: Buffer): void {
    this.members += 1;
    const compressed = gzipAsync(block, { level: this.level });
    compressed.catch(() => undefined); // awaited in order by emitAll
    this.inFlight.push(compressed);
  }

  /** Writes finished members, oldest first, until at most `keep` are still compressing. */
  private async emitAll(keep: number): Promise<void> {
    while (this.inFlight.length > keep) this.push(await this.inFlight.shift()!);
  }
}
