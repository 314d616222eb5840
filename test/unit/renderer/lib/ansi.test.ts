import { describe, expect, it } from 'vitest';
import {
  ansiEndState,
  AnsiStateCache,
  DEFAULT_STYLE,
  markSpans,
  paletteHex,
  parseAnsi,
  spanPresentation,
  stripAnsi,
  type AnsiSpan,
} from '../../../../src/renderer/src/lib/ansi.ts';

const ESC = '\x1b';

/** Spans as [text, {changed style fields}] pairs, for readable expectations. */
function brief(spans: AnsiSpan[]): Array<[string, Record<string, unknown>]> {
  return spans.map((span) => {
    const diff: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(span.style)) {
      if ((DEFAULT_STYLE as unknown as Record<string, unknown>)[key] !== value) diff[key] = value;
    }
    return [span.text, diff];
  });
}

describe('parseAnsi', () => {
  it('passes plain text through as one span in the starting style', () => {
    expect(parseAnsi('hello world')).toEqual({ spans: [{ text: 'hello world', style: DEFAULT_STYLE }], end: DEFAULT_STYLE });
    expect(parseAnsi('')).toEqual({ spans: [], end: DEFAULT_STYLE });
  });

  it('applies bold, dim, italic, underline and reset', () => {
    const { spans, end } = parseAnsi(`a${ESC}[1mb${ESC}[2;3mc${ESC}[4md${ESC}[0me`);
    expect(brief(spans)).toEqual([
      ['a', {}],
      ['b', { bold: true }],
      ['c', { bold: true, dim: true, italic: true }],
      ['d', { bold: true, dim: true, italic: true, underline: true }],
      ['e', {}],
    ]);
    expect(end).toEqual(DEFAULT_STYLE);
  });

  it('treats an empty SGR as reset and turns attributes off one by one', () => {
    const { spans } = parseAnsi(`${ESC}[1;3;4mx${ESC}[22my${ESC}[23;24mz${ESC}[1m${ESC}[mw`);
    expect(brief(spans)).toEqual([
      ['x', { bold: true, italic: true, underline: true }],
      ['y', { italic: true, underline: true }],
      ['zw', {}],
    ]);
  });

  it('reads the 8/16 colours, foreground and background, and the defaults 39/49', () => {
    const { spans } = parseAnsi(`${ESC}[31mr${ESC}[97mW${ESC}[44mb${ESC}[103my${ESC}[39md${ESC}[49mn`);
    expect(brief(spans)).toEqual([
      ['r', { fg: 1 }],
      ['W', { fg: 15 }],
      ['b', { fg: 15, bg: 4 }],
      ['y', { fg: 15, bg: 11 }],
      ['d', { bg: 11 }],
      ['n', {}],
    ]);
  });

  it('reads 256 colours and truecolor, in semicolon and colon forms', () => {
    const { spans } = parseAnsi(
      `${ESC}[38;5;208ma${ESC}[48;5;17mb${ESC}[38;2;255;128;0mc${ESC}[48:2::1:2:3md${ESC}[38:5:9me`,
    );
    expect(brief(spans)).toEqual([
      ['a', { fg: 208 }],
      ['b', { fg: 208, bg: 17 }],
      ['c', { fg: '#ff8000', bg: 17 }],
      ['d', { fg: '#ff8000', bg: '#010203' }],
      ['e', { fg: 9, bg: '#010203' }],
    ]);
  });

  it('keeps parsing parameters after an extended colour', () => {
    expect(brief(parseAnsi(`${ESC}[38;5;1;1;48;2;0;0;255;4mx`).spans)).toEqual([
      ['x', { fg: 1, bold: true, bg: '#0000ff', underline: true }],
    ]);
  });

  it('ignores out-of-range colours', () => {
    expect(brief(parseAnsi(`${ESC}[38;5;300mx${ESC}[38;2;1;2;999my`).spans)).toEqual([['xy', {}]]);
  });

  it('carries the style across lines: it starts from a given state and returns the end state', () => {
    const first = parseAnsi(`plain ${ESC}[1;32mgreen`);
    expect(first.end).toMatchObject({ bold: true, fg: 2 });
    const second = parseAnsi('still green', first.end);
    expect(brief(second.spans)).toEqual([['still green', { bold: true, fg: 2 }]]);
    expect(second.end).toBe(first.end);
    const third = parseAnsi(`${ESC}[0mdone`, second.end);
    expect(brief(third.spans)).toEqual([['done', {}]]);
    expect(third.end).toEqual(DEFAULT_STYLE);
  });

  it('strips every other escape sequence instead of showing it', () => {
    const line =
      `${ESC}]0;window title${ESC}\\` + // OSC title, ST-terminated
      `${ESC}]8;;https://example.com\x07link${ESC}]8;;\x07` + // OSC 8 hyperlink, BEL-terminated
      `${ESC}[2K${ESC}[1G${ESC}[3A${ESC}[?25l` + // erase line, cursor moves, private mode
      `${ESC}(B${ESC}7${ESC}8${ESC}=` + // charset, save/restore cursor, keypad
      `${ESC}P1$r0m${ESC}\\` + // DCS
      `${ESC}[>4;2m` + // xterm modifyOtherKeys: not SGR
      ` text\x07\x08\x00 end`;
    expect(stripAnsi(line)).toBe('link text end');
    expect(parseAnsi(line).end).toEqual(DEFAULT_STYLE);
  });

  it('drops sequences cut off at the end of the text', () => {
    expect(stripAnsi(`abc${ESC}`)).toBe('abc');
    expect(stripAnsi(`abc${ESC}[38;5`)).toBe('abc');
    expect(stripAnsi(`abc${ESC}]0;title without end`)).toBe('abc');
  });

  it('handles 8-bit CSI', () => {
    const { spans } = parseAnsi('\x9b31mred\x9b0m');
    expect(brief(spans)).toEqual([['red', { fg: 1 }]]);
  });

  it('lets a carriage return overwrite the line from its start, as a terminal does', () => {
    expect(stripAnsi('progress 10%\rprogress 20%')).toBe('progress 20%');
    expect(stripAnsi('abcdef\rXY')).toBe('XYcdef');
    expect(stripAnsi('done\r')).toBe('done');
    const { spans } = parseAnsi(`${ESC}[31mred part\r${ESC}[32mGR`);
    expect(brief(spans)).toEqual([
      ['GR', { fg: 2 }],
      ['d part', { fg: 1 }],
    ]);
  });

  it('keeps tabs and merges adjacent spans of equal style', () => {
    const { spans } = parseAnsi(`a\tb${ESC}[0m${ESC}[31m${ESC}[39mc`);
    expect(spans).toEqual([{ text: 'a\tbc', style: DEFAULT_STYLE }]);
  });
});

describe('ansiEndState', () => {
  it('agrees with parseAnsi on the end state', () => {
    const samples = [
      'plain',
      `${ESC}[1;31mred`,
      `${ESC}[1;31mred${ESC}[0m`,
      `${ESC}]0;title with ${ESC}[31m inside\x07${ESC}[32mgreen`,
      `${ESC}[38;5;208m${ESC}[2K${ESC}[48;2;1;2;3m`,
      `${ESC}[31`,
      `${ESC}[>4;2m${ESC}[4m`,
      `\x9b1m\x9d0;t\x07`,
      `a\rb${ESC}[7m\x00${ESC}`,
    ];
    for (const start of [DEFAULT_STYLE, { ...DEFAULT_STYLE, italic: true, fg: 3 }]) {
      for (const text of samples) expect(ansiEndState(text, start)).toEqual(parseAnsi(text, start).end);
    }
  });
});

describe('AnsiStateCache', () => {
  it('finds the style in effect at any line, parsing from checkpoints', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => (i === 10 ? `${ESC}[31mred starts` : i === 1500 ? `${ESC}[0m` : `line ${i}`));
    let reads = 0;
    const get = (i: number) => {
      reads++;
      return lines[i];
    };
    const cache = new AnsiStateCache(100);
    expect(cache.stateBefore(10, 0, get)).toEqual(DEFAULT_STYLE);
    expect(cache.stateBefore(11, 0, get)).toMatchObject({ fg: 1 });
    expect(cache.stateBefore(1500, 0, get)).toMatchObject({ fg: 1 });
    expect(cache.stateBefore(1501, 0, get)).toEqual(DEFAULT_STYLE);
    reads = 0;
    expect(cache.stateBefore(1450, 0, get)).toMatchObject({ fg: 1 });
    expect(reads).toBeLessThanOrEqual(100);
  });

  it('keeps checkpoints past dropped lines and starts dropped-unknown state at the default', () => {
    const lines = [`${ESC}[1m`, 'a', 'b', 'c', 'd', 'e'];
    const cache = new AnsiStateCache(2);
    expect(cache.stateBefore(5, 0, (i) => lines[i])).toMatchObject({ bold: true });
    // Lines 0-2 dropped: the checkpoint at line 4 still knows the style.
    expect(cache.stateBefore(5, 3, (i) => (i >= 3 ? lines[i] : undefined))).toMatchObject({ bold: true });
    const fresh = new AnsiStateCache(2);
    expect(fresh.stateBefore(5, 3, (i) => (i >= 3 ? lines[i] : undefined))).toEqual(DEFAULT_STYLE);
  });
});

describe('markSpans', () => {
  it('splits spans at match ranges', () => {
    const red = { ...DEFAULT_STYLE, fg: 1 };
    const spans: AnsiSpan[] = [
      { text: 'hello ', style: DEFAULT_STYLE },
      { text: 'world', style: red },
    ];
    expect(
      markSpans(spans, [
        [4, 8],
        [10, 11],
      ]).map((s) => [s.text, s.mark, s.style.fg]),
    ).toEqual([
      ['hell', false, undefined],
      ['o ', true, undefined],
      ['wo', true, 1],
      ['rl', false, 1],
      ['d', true, 1],
    ]);
    expect(markSpans(spans, []).map((s) => s.mark)).toEqual([false, false]);
  });
});

describe('spanPresentation', () => {
  it('uses classes for the 16 themed colours and inline colours otherwise', () => {
    expect(spanPresentation(DEFAULT_STYLE)).toEqual({ className: '' });
    expect(spanPresentation({ ...DEFAULT_STYLE, bold: true, fg: 9, bg: 4 })).toEqual({
      className: 'ansi-bold ansi-bg-4 ansi-fg-9',
    });
    expect(spanPresentation({ ...DEFAULT_STYLE, fg: 208 })).toEqual({ className: '', color: '#ff8700' });
    expect(spanPresentation({ ...DEFAULT_STYLE, bg: '#ffffe0' })).toEqual({
      className: '',
      backgroundColor: '#ffffe0',
      color: '#000000',
    });
  });

  it('swaps colours for inverse', () => {
    // Inverse green: a green background whose class supplies the readable text colour.
    expect(spanPresentation({ ...DEFAULT_STYLE, inverse: true, fg: 2 })).toEqual({ className: 'ansi-bg-2' });
    expect(spanPresentation({ ...DEFAULT_STYLE, inverse: true })).toEqual({ className: 'ansi-bg-inverse ansi-fg-inverse' });
    expect(spanPresentation({ ...DEFAULT_STYLE, inverse: true, fg: 1, bg: 3 })).toEqual({ className: 'ansi-bg-1 ansi-fg-3' });
  });

  it('draws black and white text on a background truly black or white', () => {
    expect(spanPresentation({ ...DEFAULT_STYLE, fg: 0, bg: 2 })).toEqual({ className: 'ansi-bg-2', color: '#000000' });
    expect(spanPresentation({ ...DEFAULT_STYLE, fg: 15, bg: 1 })).toEqual({ className: 'ansi-bg-1', color: '#ffffff' });
    expect(spanPresentation({ ...DEFAULT_STYLE, fg: 0 })).toEqual({ className: 'ansi-fg-0' });
  });

  it('computes the xterm 256-colour palette', () => {
    expect(paletteHex(16)).toBe('#000000');
    expect(paletteHex(196)).toBe('#ff0000');
    expect(paletteHex(231)).toBe('#ffffff');
    expect(paletteHex(232)).toBe('#080808');
    expect(paletteHex(255)).toBe('#eeeeee');
  });
});
