import { describe, expect, it, vi } from 'vitest';
import { describeProgress, LogBuffer, LogSearch, matchRanges, searchPattern } from '../../../../src/renderer/src/lib/log-buffer.ts';

describe('LogBuffer', () => {
  it('joins lines split across chunks and holds the partial tail until its newline', () => {
    const buffer = new LogBuffer();
    buffer.append('first li');
    expect(buffer.lineCount).toBe(0);
    expect(buffer.pending).toBe('first li');
    buffer.append('ne\nsecond');
    expect(buffer.lines()).toEqual(['first line']);
    buffer.append(' line\nthird\n');
    expect(buffer.lines()).toEqual(['first line', 'second line', 'third']);
    expect(buffer.pending).toBe('');
  });

  it('keeps the unfinished last line at end()', () => {
    const buffer = new LogBuffer();
    buffer.append('a\nb');
    expect(buffer.lines()).toEqual(['a']);
    buffer.end();
    expect(buffer.lines()).toEqual(['a', 'b']);
    expect(buffer.isEnded).toBe(true);
    buffer.end();
    expect(buffer.lines()).toEqual(['a', 'b']);
  });

  it('keeps empty lines', () => {
    const buffer = new LogBuffer();
    buffer.append('\n\nx\n\n');
    expect(buffer.lines()).toEqual(['', '', 'x', '']);
  });

  it('removes CR of CRLF, also when the CR and LF arrive in different chunks', () => {
    const buffer = new LogBuffer();
    buffer.append('one\r\ntwo\r');
    buffer.append('\nthree\r\n');
    buffer.append('fo');
    buffer.append('ur\r');
    buffer.append('\n');
    expect(buffer.lines()).toEqual(['one', 'two', 'three', 'four']);
  });

  it('keeps a lone CR inside a line (a redraw, left to the view)', () => {
    const buffer = new LogBuffer();
    buffer.append('10%\r20%\r30%\n');
    expect(buffer.lines()).toEqual(['10%\r20%\r30%']);
    expect(buffer.search('30%')).toEqual([0]);
    expect(buffer.search('10%')).toEqual([]);
  });

  it('keeps at most maxLines, counting the dropped ones and keeping absolute indexes', () => {
    const buffer = new LogBuffer({ maxLines: 3 });
    buffer.append('l0\nl1\nl2\nl3\n');
    buffer.append('l4\n');
    expect(buffer.droppedLines).toBe(2);
    expect(buffer.firstIndex).toBe(2);
    expect(buffer.lineCount).toBe(5);
    expect(buffer.size).toBe(3);
    expect(buffer.lines()).toEqual(['l2', 'l3', 'l4']);
    expect(buffer.line(1)).toBeUndefined();
    expect(buffer.line(2)).toBe('l2');
    expect(buffer.line(4)).toBe('l4');
    expect(buffer.line(5)).toBeUndefined();
    for (let i = 5; i < 100; i++) buffer.append(`l${i}\n`);
    expect(buffer.droppedLines).toBe(97);
    expect(buffer.lines()).toEqual(['l97', 'l98', 'l99']);
    expect(buffer.search('l9')).toEqual([97, 98, 99]);
  });

  it('cuts very long lines to bound memory, also while they are still unfinished', () => {
    const buffer = new LogBuffer({ maxLineLength: 10 });
    buffer.append('x'.repeat(25) + '\nshort\n');
    buffer.append('y'.repeat(8));
    buffer.append('y'.repeat(8));
    expect(buffer.pending.length).toBe(10);
    buffer.append('y'.repeat(4) + '\n');
    expect(buffer.line(0)).toBe(`${'x'.repeat(10)}\x1b[0m … [15 more characters not shown]`);
    expect(buffer.line(1)).toBe('short');
    expect(buffer.line(2)).toBe(`${'y'.repeat(10)}\x1b[0m … [10 more characters not shown]`);
  });

  it('turns @progress lines into the latest progress object, not into lines', () => {
    const buffer = new LogBuffer();
    buffer.append('starting\n@progress {"phase":"map","done":1,"total":4}\n');
    expect(buffer.lines()).toEqual(['starting']);
    expect(buffer.progress).toEqual({ phase: 'map', done: 1, total: 4 });
    buffer.append('@progress {"phase":"map","do');
    buffer.append('ne":3,"total":4}\r\nworking\n');
    expect(buffer.progress).toEqual({ phase: 'map', done: 3, total: 4 });
    buffer.append('@progress {broken\n@progress [1,2]\n@progress null\n@progress 42\n');
    expect(buffer.progress).toEqual({ phase: 'map', done: 3, total: 4 });
    expect(buffer.lines()).toEqual(['starting', 'working']);
    expect(buffer.lineCount).toBe(2);
    // Only the exact prefix counts.
    buffer.append('@progress\n @progress {}\n@progressive {}\n');
    expect(buffer.lines().slice(2)).toEqual(['@progress', ' @progress {}', '@progressive {}']);
  });

  it('searches visible text, case-insensitively unless asked, from a given line', () => {
    const buffer = new LogBuffer();
    buffer.append('Error: one\nfine\n\x1b[31mERR\x1b[0mOR two\nerror three\nmirror\n');
    expect(buffer.search('error')).toEqual([0, 2, 3]);
    expect(buffer.search('Error', { caseSensitive: true })).toEqual([0]);
    expect(buffer.search('error', { from: 2 })).toEqual([2, 3]);
    expect(buffer.search('')).toEqual([]);
    expect(buffer.search('[31m')).toEqual([]);
    expect(buffer.search('r.r')).toEqual([]); // literal, not a regular expression
  });

  it('keeps a search up to date as lines arrive and old ones are dropped', () => {
    const buffer = new LogBuffer({ maxLines: 4 });
    buffer.append('hit 0\nmiss\nhit 2\n');
    const search = new LogSearch(buffer, 'HIT');
    const first = search.update();
    expect(first).toEqual([0, 2]);
    expect(search.update()).toBe(first); // unchanged: the same array
    buffer.append('hit 3\nhit 4\nmiss\n');
    expect(search.update()).toEqual([2, 3, 4]);
    expect(new LogSearch(buffer, 'HIT', true).update()).toEqual([]);
    expect(new LogSearch(buffer, '').update()).toEqual([]);
  });

  it('finds match ranges within a line', () => {
    expect(matchRanges('abcABCabc', searchPattern('abc'))).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
    ]);
    expect(matchRanges('abcABCabc', searchPattern('abc', true))).toEqual([
      [0, 3],
      [6, 9],
    ]);
    expect(matchRanges('a+b', searchPattern('+'))).toEqual([[1, 2]]);
    expect(matchRanges('anything', searchPattern(''))).toEqual([]);
  });

  it('describes progress for a progress bar', () => {
    const map = describeProgress({
      phase: 'map',
      files_done: 3,
      files_total: 12,
      bytes: 1_048_576,
      bytes_total: 4_194_304,
      records: 5000,
      bad_lines: 1,
      reducers_done: 0,
      reducers_total: 1,
      elapsed_s: 1.5,
    });
    expect(map.label).toBe('Map');
    expect(map.value).toBe(0.25);
    expect(map.detail).toBe('3 of 12 files · 1.0 MB of 4.0 MB · 5,000 records · 1 bad line · 2 s · about 5 s left in map');
    expect(describeProgress({ phase: 'reduce', reducers_done: 1, reducers_total: 4 })).toMatchObject({ label: 'Reduce', value: 0.25 });
    expect(describeProgress({ phase: 'done' }).value).toBe(1);
    expect(describeProgress({}).value).toBeUndefined();
  });

  it('bumps version and notifies subscribers on change only', () => {
    const buffer = new LogBuffer();
    const listener = vi.fn();
    const unsubscribe = buffer.subscribe(listener);
    const v0 = buffer.version;
    buffer.append('partial');
    expect(listener).not.toHaveBeenCalled();
    expect(buffer.version).toBe(v0);
    buffer.append(' line\n');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(buffer.version).toBeGreaterThan(v0);
    buffer.append('@progress {"done":1}\n');
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
    buffer.append('more\n');
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('appends 1 million short lines in 64 KB chunks quickly', () => {
    const lineCount = 1_000_000;
    const lines: string[] = [];
    for (let i = 0; i < lineCount; i++) lines.push(`2024-05-01T12:00:00Z worker-${i % 8} processed record ${i}`);
    const text = lines.join('\n') + '\n';
    const chunks: string[] = [];
    for (let at = 0; at < text.length; at += 65_536) chunks.push(text.slice(at, at + 65_536));

    const buffer = new LogBuffer();
    const started = performance.now();
    for (const chunk of chunks) buffer.append(chunk);
    const elapsed = performance.now() - started;
    console.log(
      `LogBuffer: ${lineCount.toLocaleString('en')} lines (${(text.length / 1e6).toFixed(1)} MB) in ${chunks.length} chunks ` +
        `appended in ${elapsed.toFixed(0)} ms (${((lineCount / elapsed) * 1000 / 1e6).toFixed(1)} M lines/s)`,
    );
    expect(buffer.lineCount).toBe(lineCount);
    expect(buffer.droppedLines).toBe(lineCount - 100_000);
    expect(buffer.line(lineCount - 1)).toBe(lines[lineCount - 1]);
    expect(buffer.line(900_000)).toBe(lines[900_000]);
    expect(elapsed).toBeLessThan(3000);
  });
});
