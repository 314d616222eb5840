import { describe, expect, it } from 'vitest';
import { CliProgress, progressBar } from '../../../src/main/cli-progress.ts';
import type { JobProgress } from '../../../src/shared/model.ts';
import { describeProgress } from '../../../src/shared/progress-view.ts';

const map = (bytes: number): JobProgress => ({ phase: 'map', files_done: 1, files_total: 4, bytes, bytes_total: 1000, records: 20, elapsed_s: 2 });

describe('the command line’s progress', () => {
  it('draws a bar with the share done and the counts, cut to the terminal’s width', () => {
    expect(progressBar(describeProgress(map(400)), 200)).toBe('Map [##########..............]  40%  1 of 4 files · 400 bytes of 1000 bytes · 20 records · 2 s · about 3 s left in map');
    const narrow = progressBar(describeProgress(map(400)), 40);
    expect(narrow).toBe('Map [##########..............]  40%  1…');
    expect(narrow.length).toBe(39);
  });

  it('on a terminal redraws one line in place and gets out of the way of other output', () => {
    let written = '';
    const progress = new CliProgress((text) => (written += text), 80);
    progress.show(map(100));
    progress.show(map(500));
    progress.around(() => (written += 'a log line\n'));
    progress.end();
    const frames = written.replaceAll('\x1b[K', '<erase line>').split('\r');
    expect(frames[1]).toMatch(/^Map \[##\.+\] {2}10% .*<erase line>$/);
    expect(frames[2]).toMatch(/^Map \[#{12}\.+\] {2}50% .*<erase line>$/);
    // Cleared, the line printed, the bar drawn again below it; at the end the last state stays as plain text.
    expect(frames[3]).toBe('<erase line>a log line\n');
    expect(frames[4]).toMatch(/^Map \[#{12}/);
    expect(frames[5]).toMatch(/^Map 50%: 1 of 4 files .*<erase line>\n$/);
  });

  it('elsewhere writes plain lines, one per step', () => {
    let written = '';
    const progress = new CliProgress((text) => (written += text), undefined);
    for (const bytes of [0, 30, 60, 120, 1000]) progress.show(map(bytes));
    progress.around(() => (written += 'a log line\n'));
    progress.end();
    expect(written.split('\n').map((line) => line.replace(/:.*/, ''))).toEqual(['Map 0%', 'Map 12%', 'Map 100%', 'a log line', '']);
    expect(written).not.toContain('\r');
  });
});
