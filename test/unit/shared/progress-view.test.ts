import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PROGRESS_PREFIX, ProgressSteps, parseProgressLine, progressLine, readableLog } from '../../../src/shared/progress-view.ts';
import { describeProgress } from '../../../src/shared/progress-view.ts';

const snapshot = (phase: string, bytes: number, extra: Record<string, number> = {}) =>
  `@progress ${JSON.stringify({ phase, files_done: bytes / 100, files_total: 10, bytes, bytes_total: 1000, records: bytes * 5, bad_lines: 0, reducers_done: 0, reducers_total: 2, elapsed_s: bytes / 100, ...extra })}`;

describe('progress for people', () => {
  it('writes one line per step: a new phase, and each further tenth of it', () => {
    const steps = new ProgressSteps();
    const lines = [0, 50, 100, 150, 199, 200, 950, 1000].map((bytes) => steps.next(parseProgressLine(snapshot('map', bytes))!));
    expect(lines.map((line) => line?.replace(/:.*/, ''))).toEqual(['Map 0%', undefined, 'Map 10%', undefined, undefined, 'Map 20%', 'Map 95%', 'Map 100%']);
    expect(steps.next(parseProgressLine(snapshot('reduce', 1000))!)).toBe('Reduce 0%: 10 of 10 files · 1000 bytes of 1000 bytes · 5,000 records · 0 of 2 reducers · 10 s');
    expect(steps.next(parseProgressLine(snapshot('reduce', 1000, { reducers_done: 1 }))!)).toMatch(/^Reduce 50%: /);
    expect(steps.next(parseProgressLine(snapshot('done', 1000, { reducers_done: 2 }))!)).toMatch(/^Done 100%: /);
  });

  it('a log read afterwards has its progress lines as step lines and every other line as it was', () => {
    const log = ['starting', snapshot('map', 0), snapshot('map', 10), 'Bad line: a.gz:3', snapshot('map', 500), snapshot('done', 1000), '@progress {not json', 'the end'].join('\n');
    expect(readableLog(`${log}\n`).split('\n')).toEqual([
      'starting',
      expect.stringMatching(/^Map 0%: 0 of 10 files · 0 bytes of 1000 bytes · 0 records · 0 s$/),
      'Bad line: a.gz:3',
      expect.stringMatching(/^Map 50%: 5 of 10 files/),
      expect.stringMatching(/^Done 100%: /),
      '@progress {not json',
      'the end',
      '',
    ]);
    // A last line without its newline stays without one.
    expect(readableLog(snapshot('done', 1000))).toMatch(/^Done 100%: [^\n]*$/);
  });

  it('a phase without a known fraction has no percentage', () => {
    expect(progressLine(describeProgress({ phase: 'map', records: 3 }))).toBe('Map: 3 records');
  });
});

describe('the progress line prefix', () => {
  it('is the one the map/reduce runner writes', async () => {
    const runner = await readFile('resources/worker/mapreduce/progress.py', 'utf8');
    const written = /^PREFIX = "(.*)"$/m.exec(runner)?.[1];
    expect(written).toBe(PROGRESS_PREFIX);
    expect(parseProgressLine(`${written}${JSON.stringify({ phase: 'map', bytes: 1, bytes_total: 2 })}`)).toMatchObject({ phase: 'map', bytes: 1 });
  });
});
