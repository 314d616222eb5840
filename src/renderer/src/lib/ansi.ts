/**
 * ANSI escape sequences -> styled spans, for log views. Pure: no DOM.
 *
 * Understood (SGR, `ESC [ … m`): reset, bold, dim, italic, underline, inverse, strikethrough, the 8/16
 * colours (30–37, 90–97, 40–47, 100–107), 256 colours (38;5;n / 48;5;n), truecolor (38;2;r;g;b), the
 * colon forms of both (38:5:n, 38:2::r:g:b), and default foreground/background (39/49). Every other
 * escape sequence (CSI cursor movement and erase, OSC titles and links, DCS/APC/PM strings, charset
 * selection …) and every other control character is dropped; a carriage return overwrites the line
 * from its start, as a terminal would. A sequence cut off at the end of the text is dropped too.
 */

/** A palette index (0–255) or a truecolor `#rrggbb`. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  readonly bold: boolean;
  readonly dim: boolean;
  readonly italic: boolean;
  readonly underline: boolean;
  readonly inverse: boolean;
  readonly strike: boolean;
  readonly fg?: AnsiColor;
  readonly bg?: AnsiColor;
}

export interface AnsiSpan {
  text: string;
  style: AnsiStyle;
}

export interface AnsiParse {
  spans: AnsiSpan[];
  /** The style in effect after the text: the starting style of the next line. */
  end: AnsiStyle;
}

export const DEFAULT_STYLE: AnsiStyle = Object.freeze({
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
  strike: false,
});

const ESC = 0x1b;
const BEL = 0x07;
const CR = 0x0d;
const TAB = 0x09;
const LF = 0x0a;

/** Anything the fast path cannot pass through unchanged: C0 controls but tab and LF, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex
const SPECIAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

export function styleEquals(a: AnsiStyle, b: AnsiStyle): boolean {
  return (
    a === b ||
    (a.bold === b.bold &&
      a.dim === b.dim &&
      a.italic === b.italic &&
      a.underline === b.underline &&
      a.inverse === b.inverse &&
      a.strike === b.strike &&
      a.fg === b.fg &&
      a.bg === b.bg)
  );
}

export function isDefaultStyle(style: AnsiStyle): boolean {
  return styleEquals(style, DEFAULT_STYLE);
}

type MutableStyle = { -readonly [K in keyof AnsiStyle]: AnsiStyle[K] };

function byte(value: string | undefined): number | undefined {
  if (value === undefined || value === '' || !/^\d{1,3}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= 255 ? n : undefined;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function rgb(r: number | undefined, g: number | undefined, b: number | undefined): string | undefined {
  return r === undefined || g === undefined || b === undefined ? undefined : `#${hex2(r)}${hex2(g)}${hex2(b)}`;
}

/** Applies one SGR parameter string (`1;31`, `38;5;208`, `38:2::1:2:3`, or empty for reset). */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  if (params === '' || params === '0') return DEFAULT_STYLE; // the commonest sequence by far
  const s: MutableStyle = { ...style };
  const parts = params === '' ? ['0'] : params.split(';');
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]!;
    if (part.includes(':')) {
      // ITU T.416 colon form: 38:5:n, 38:2:[colorspace]:r:g:b; 4:n underline styles.
      const sub = part.split(':');
      const code = Number(sub[0]);
      if (code === 38 || code === 48) {
        let colour: AnsiColor | undefined;
        if (sub[1] === '5') colour = byte(sub[2]);
        else if (sub[1] === '2') {
          colour = sub.length >= 6 ? rgb(byte(sub[3]), byte(sub[4]), byte(sub[5])) : rgb(byte(sub[2]), byte(sub[3]), byte(sub[4]));
        }
        if (colour !== undefined) {
          if (code === 38) s.fg = colour;
          else s.bg = colour;
        }
      } else if (code === 4) {
        s.underline = sub[1] !== '0';
      }
      continue;
    }
    const code = part === '' ? 0 : Number(part);
    if (code === 0) {
      Object.assign(s, DEFAULT_STYLE);
      delete s.fg;
      delete s.bg;
    } else if (code === 1) s.bold = true;
    else if (code === 2) s.dim = true;
    else if (code === 3) s.italic = true;
    else if (code === 4 || code === 21) s.underline = true;
    else if (code === 7) s.inverse = true;
    else if (code === 9) s.strike = true;
    else if (code === 22) s.bold = s.dim = false;
    else if (code === 23) s.italic = false;
    else if (code === 24) s.underline = false;
    else if (code === 27) s.inverse = false;
    else if (code === 29) s.strike = false;
    else if (code >= 30 && code <= 37) s.fg = code - 30;
    else if (code === 39) delete s.fg;
    else if (code >= 40 && code <= 47) s.bg = code - 40;
    else if (code === 49) delete s.bg;
    else if (code >= 90 && code <= 97) s.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) s.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      let colour: AnsiColor | undefined;
      if (parts[k + 1] === '5') {
        colour = byte(parts[k + 2]);
        k += 2;
      } else if (parts[k + 1] === '2') {
        colour = rgb(byte(parts[k + 2]), byte(parts[k + 3]), byte(parts[k + 4]));
        k += 4;
      } else {
        // A malformed extended colour: the rest of the sequence cannot be trusted.
        break;
      }
      if (colour !== undefined) {
        if (code === 38) s.fg = colour;
        else s.bg = colour;
      }
    }
    // Anything else (blink, fonts, overline, 58 underline colour …) is ignored.
  }
  return styleEquals(s, style) ? style : s;
}

function pushSpan(spans: AnsiSpan[], text: string, style: AnsiStyle): void {
  if (text === '') return;
  const last = spans[spans.length - 1];
  if (last && styleEquals(last.style, style)) last.text += text;
  else spans.push({ text, style });
}

function spansLength(spans: AnsiSpan[]): number {
  let n = 0;
  for (const span of spans) n += span.text.length;
  return n;
}

/** `above` written from column 0 over `below`: a carriage return followed by more text. */
function overlay(below: AnsiSpan[], above: AnsiSpan[]): AnsiSpan[] {
  let skip = spansLength(above);
  if (skip === 0) return below;
  const out = above.slice();
  for (const span of below) {
    if (skip >= span.text.length) {
      skip -= span.text.length;
      continue;
    }
    pushSpan(out, span.text.slice(skip), span.style);
    skip = 0;
  }
  return out;
}

/** Index just past a string-type sequence (OSC, DCS …) starting its body at `from`: ends at BEL or ST. */
function skipString(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === BEL || c === 0x9c) return i + 1;
    if (c === ESC && text.charCodeAt(i + 1) === 0x5c) return i + 2;
  }
  return text.length;
}

interface Sequence {
  /** Index just past the sequence. */
  next: number;
  /** The parameters when the sequence is SGR (`ESC [ … m`). */
  sgr: string | undefined;
}

/** Reads the escape sequence introduced at `i` by ESC or a C1 control. A cut-off sequence runs to the end. */
function readSequence(text: string, i: number): Sequence {
  const n = text.length;
  const c = text.charCodeAt(i);
  let csiFrom: number;
  if (c === ESC) {
    const d = text.charCodeAt(i + 1);
    if (d === 0x5b) csiFrom = i + 2; // ESC [
    else if (d === 0x5d || d === 0x50 || d === 0x58 || d === 0x5e || d === 0x5f) {
      return { next: skipString(text, i + 2), sgr: undefined }; // OSC, DCS, SOS, PM, APC
    } else if (d >= 0x20 && d <= 0x2f) {
      // ESC, intermediates, one final byte (charset selection and the like).
      let j = i + 1;
      while (j < n && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
      return { next: j < n ? j + 1 : n, sgr: undefined };
    } else if (d >= 0x30 && d <= 0x7e) return { next: i + 2, sgr: undefined }; // ESC 7, ESC =, ESC c …
    else return { next: i + 1, sgr: undefined }; // a lone ESC
  } else if (c === 0x9b) csiFrom = i + 1;
  else if (c === 0x9d || c === 0x90 || c === 0x98 || c === 0x9e || c === 0x9f) {
    return { next: skipString(text, i + 1), sgr: undefined };
  } else return { next: i + 1, sgr: undefined };
  let j = csiFrom;
  while (j < n && text.charCodeAt(j) >= 0x30 && text.charCodeAt(j) <= 0x3f) j++;
  const paramsEnd = j;
  while (j < n && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  if (j >= n) return { next: n, sgr: undefined }; // cut off: drop it
  const final = text.charCodeAt(j);
  // Not a CSI after all: drop what was read, keep the character.
  if (final < 0x40 || final > 0x7e) return { next: j, sgr: undefined };
  if (final !== 0x6d || paramsEnd !== j) return { next: j + 1, sgr: undefined };
  const params = text.slice(csiFrom, paramsEnd);
  // Private forms (ESC [ > 4 ; 2 m, xterm modifyOtherKeys) are not SGR.
  return { next: j + 1, sgr: /^[<=>?]/.test(params) ? undefined : params };
}

/**
 * Parses `text` (normally one line) starting in style `start`. Returns the visible text as spans of
 * equal style (adjacent equal styles merged) and the style in effect at the end.
 */
export function parseAnsi(text: string, start: AnsiStyle = DEFAULT_STYLE): AnsiParse {
  if (!SPECIAL.test(text)) return { spans: text === '' ? [] : [{ text, style: start }], end: start };
  let style = start;
  let committed: AnsiSpan[] | undefined; // text before the last carriage return
  let spans: AnsiSpan[] = [];
  let plainFrom = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    const special = (c < 0x20 && c !== TAB && c !== LF) || (c >= 0x7f && c <= 0x9f);
    if (!special) {
      i++;
      continue;
    }
    pushSpan(spans, text.slice(plainFrom, i), style);
    let next = i + 1;
    if (c === ESC || c >= 0x80) {
      const sequence = readSequence(text, i);
      next = sequence.next;
      if (sequence.sgr !== undefined) style = applySgr(style, sequence.sgr);
    } else if (c === CR) {
      committed = overlay(committed ?? [], spans);
      spans = [];
    }
    i = next;
    plainFrom = next;
  }
  pushSpan(spans, text.slice(plainFrom, n), style);
  return { spans: committed ? overlay(committed, spans) : spans, end: style };
}

// eslint-disable-next-line no-control-regex
const INTRODUCER = /[\x1b\x90\x98\x9b\x9d\x9e\x9f]/g;

/** The style after `text`, starting from `start`: parseAnsi's end state without building spans. */
export function ansiEndState(text: string, start: AnsiStyle = DEFAULT_STYLE): AnsiStyle {
  let style = start;
  let i = 0;
  for (;;) {
    INTRODUCER.lastIndex = i;
    const found = INTRODUCER.exec(text);
    if (!found) return style;
    const sequence = readSequence(text, found.index);
    if (sequence.sgr !== undefined) style = applySgr(style, sequence.sgr);
    i = sequence.next;
  }
}

/** The text a reader sees: escape sequences and control characters removed. */
export function stripAnsi(text: string): string {
  if (!SPECIAL.test(text)) return text;
  let out = '';
  for (const span of parseAnsi(text).spans) out += span.text;
  return out;
}

/**
 * Remembers the style at the start of every `interval`-th line so the style in effect at any line of
 * an append-only log (whose oldest lines may be dropped) is found by parsing at most `interval`
 * lines once the cache is warm. Lines are immutable once appended, so checkpoints never go stale.
 */
export class AnsiStateCache {
  private readonly checkpoints = new Map<number, AnsiStyle>();
  private prunedBelow = 0;

  constructor(private readonly interval = 256) {}

  /**
   * The style at the start of line `index`, where lines `firstIndex`… are readable with `getLine`.
   * Lines dropped before their style was seen count as having left the default style.
   */
  stateBefore(index: number, firstIndex: number, getLine: (index: number) => string | undefined): AnsiStyle {
    if (firstIndex > this.prunedBelow) this.prune(firstIndex);
    if (index <= firstIndex) return this.checkpoints.get(firstIndex) ?? DEFAULT_STYLE;
    let from = Math.floor(index / this.interval) * this.interval;
    while (from > firstIndex && !this.checkpoints.has(from)) from -= this.interval;
    let state: AnsiStyle;
    if (from > firstIndex) state = this.checkpoints.get(from)!;
    else {
      from = firstIndex;
      state = this.checkpoints.get(firstIndex) ?? DEFAULT_STYLE;
    }
    for (let i = from; i < index; i++) {
      state = ansiEndState(getLine(i) ?? '', state);
      if ((i + 1) % this.interval === 0) this.checkpoints.set(i + 1, state);
    }
    return state;
  }

  private prune(firstIndex: number): void {
    for (const key of this.checkpoints.keys()) if (key < firstIndex) this.checkpoints.delete(key);
    this.prunedBelow = firstIndex;
  }
}

export interface MarkedSpan extends AnsiSpan {
  /** Inside a search match. */
  mark: boolean;
}

/** Splits spans at the given [start, end) character ranges of their joined text (ranges sorted, disjoint). */
export function markSpans(spans: AnsiSpan[], ranges: ReadonlyArray<readonly [number, number]>): MarkedSpan[] {
  if (ranges.length === 0) return spans.map((span) => ({ ...span, mark: false }));
  const out: MarkedSpan[] = [];
  let offset = 0;
  let r = 0;
  for (const span of spans) {
    const end = offset + span.text.length;
    let pos = offset;
    while (pos < end) {
      while (r < ranges.length && ranges[r]![1] <= pos) r++;
      const range = ranges[r];
      if (!range || range[0] >= end) {
        out.push({ text: span.text.slice(pos - offset), style: span.style, mark: false });
        pos = end;
      } else if (range[0] > pos) {
        out.push({ text: span.text.slice(pos - offset, range[0] - offset), style: span.style, mark: false });
        pos = range[0];
      } else {
        const stop = Math.min(range[1], end);
        out.push({ text: span.text.slice(pos - offset, stop - offset), style: span.style, mark: true });
        pos = stop;
      }
    }
    offset = end;
  }
  return out;
}

// ---- presentation -------------------------------------------------------------------------------

const CUBE = [0, 95, 135, 175, 215, 255];
/** xterm's defaults for the first 16; the app's CSS themes them, this is for anything else. */
const BASE16 = [
  '#000000', '#cd0000', '#00cd00', '#cdcd00', '#0000ee', '#cd00cd', '#00cdcd', '#e5e5e5',
  '#7f7f7f', '#ff0000', '#00ff00', '#ffff00', '#5c5cff', '#ff00ff', '#00ffff', '#ffffff',
];

/** The xterm 256-colour palette as `#rrggbb`. */
export function paletteHex(index: number): string {
  if (index < 16) return BASE16[index] ?? '#000000';
  if (index < 232) {
    const n = index - 16;
    return rgb(CUBE[Math.floor(n / 36)], CUBE[Math.floor(n / 6) % 6], CUBE[n % 6])!;
  }
  const level = 8 + (index - 232) * 10;
  return rgb(level, level, level)!;
}

function isLight(hex: string): boolean {
  const value = parseInt(hex.slice(1), 16);
  const r = (value >> 16) & 255;
  const g = (value >> 8) & 255;
  const b = value & 255;
  return 0.299 * r + 0.587 * g + 0.114 * b > 150;
}

export interface SpanPresentation {
  /** Space-separated class names (`ansi-bold`, `ansi-fg-1`, `ansi-bg-4` …), '' for none. */
  className: string;
  color?: string;
  backgroundColor?: string;
}

/**
 * How a style is drawn. The 16 base colours become classes, so the stylesheet can pick shades that
 * read on the light and the dark theme; 256-colour and truecolor values become inline colours. On a
 * background, text without a colour of its own gets one that reads on it, and black or white text
 * is drawn truly black or white (not the theme's softened shades); inverse swaps the two colours.
 */
export function spanPresentation(style: AnsiStyle): SpanPresentation {
  const classes: string[] = [];
  if (style.bold) classes.push('ansi-bold');
  if (style.dim) classes.push('ansi-dim');
  if (style.italic) classes.push('ansi-italic');
  if (style.underline && style.strike) classes.push('ansi-underline-strike');
  else if (style.underline) classes.push('ansi-underline');
  else if (style.strike) classes.push('ansi-strike');
  let fg = style.fg;
  let bg = style.bg;
  let themeInverse = false; // inverse of the default colours: the view's own background and text swap
  if (style.inverse) {
    [fg, bg] = [bg, fg];
    themeInverse = bg === undefined;
  }
  const out: SpanPresentation = { className: '' };
  if (typeof bg === 'number' && bg < 16) classes.push(`ansi-bg-${bg}`); // its class sets a readable text colour
  else if (bg !== undefined) {
    out.backgroundColor = typeof bg === 'number' ? paletteHex(bg) : bg;
    if (fg === undefined) out.color = isLight(out.backgroundColor) ? '#000000' : '#ffffff';
  } else if (themeInverse) classes.push('ansi-bg-inverse');
  if (typeof fg === 'number' && fg < 16) {
    if (bg !== undefined && !themeInverse && (fg === 0 || fg === 8)) out.color = '#000000';
    else if (bg !== undefined && !themeInverse && (fg === 7 || fg === 15)) out.color = '#ffffff';
    else classes.push(`ansi-fg-${fg}`);
  } else if (fg !== undefined) out.color = typeof fg === 'number' ? paletteHex(fg) : fg;
  else if (themeInverse) classes.push('ansi-fg-inverse');
  out.className = classes.join(' ');
  return out;
}
