import { describe, expect, it } from 'vitest';
import { LogCursor } from '../../../../src/renderer/src/lib/log-cursor.ts';

const chunk = (offset: number, text: string, done = false) => ({ runId: 'r', offset, nextOffset: offset + Buffer.byteLength(text), text, done });

describe('LogCursor', () => {
  it('takes contiguous chunks in order', () => {
    const cursor = new LogCursor();
    expect(cursor.accept(chunk(0, 'a\n'))).toEqual({ kind: 'append', text: 'a\n', done: false });
    expect(cursor.accept(chunk(2, 'bé\n', true))).toEqual({ kind: 'append', text: 'bé\n', done: true });
    expect(cursor.offset).toBe(6);
  });

  it('drops what it already has and cuts overlaps by bytes, keeping multi-byte characters whole', () => {
    const cursor = new LogCursor();
    cursor.accept(chunk(0, 'ünï\ncodé\n'));
    expect(cursor.accept(chunk(0, 'ünï\n'))).toEqual({ kind: 'stale' });
    // A read that started earlier and runs further: only the new part is taken.
    const overlap = chunk(Buffer.byteLength('ünï\n'), 'codé\n→ next\n');
    expect(cursor.accept(overlap)).toEqual({ kind: 'append', text: '→ next\n', done: false });
  });

  it('reports a gap instead of taking text out of order', () => {
    const cursor = new LogCursor();
    cursor.accept(chunk(0, 'one\n'));
    expect(cursor.accept(chunk(10, 'later\n'))).toEqual({ kind: 'gap', from: 4 });
    expect(cursor.offset).toBe(4);
  });

  it('passes on the end even when it brings no text', () => {
    const cursor = new LogCursor();
    cursor.accept(chunk(0, 'x\n'));
    expect(cursor.accept(chunk(2, '', true))).toEqual({ kind: 'append', text: '', done: true });
  });
});
