import type { LogChunk } from '../../../shared/model.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export type CursorStep =
  /** Text that follows what was taken so far. */
  | { kind: 'append'; text: string; done: boolean }
  /** Something before this chunk was missed: read the log from `from`. */
  | { kind: 'gap'; from: number }
  /** Already taken. */
  | { kind: 'stale' };

/**
 * Where a reader is in a run's log, by byte offset. Chunks come from two sources (reads
 * and live events) that may overlap or leave gaps; the cursor takes each byte exactly once.
 * Chunk boundaries are line boundaries, so cutting at a taken offset never splits a character.
 */
export class LogCursor {
  offset = 0;

  accept(chunk: LogChunk): CursorStep {
    if (chunk.offset > this.offset) return { kind: 'gap', from: this.offset };
    if (chunk.nextOffset < this.offset || (chunk.nextOffset === this.offset && !chunk.done)) return { kind: 'stale' };
    const skip = this.offset - chunk.offset;
    const text = skip === 0 ? chunk.text : decoder.decode(encoder.encode(chunk.text).subarray(skip));
    this.offset = chunk.nextOffset;
    return { kind: 'append', text, done: chunk.done };
  }
}
