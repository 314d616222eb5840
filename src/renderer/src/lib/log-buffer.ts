/**
 * An append-only, bounded store of log lines fed by text chunks. Pure: no DOM.
 *
 * Lines are addressed by absolute index: line 0 is the first line ever appended, and a line keeps its
 * index when older lines are dropped (indexes `firstIndex` … `lineCount - 1` are readable). Lines
 * starting with `@progress ` are the map/reduce runner's machine-readable progress: they are not
 * stored or counted as lines; the latest well-formed one (a JSON object matching JobProgress) is
 * `progress`, and describeProgress turns it into what a progress bar shows.
 */
import { JobProgress } from '../../../shared/model.ts';
import { PROGRESS_PREFIX } from '../../../shared/progress-view.ts';
import { stripAnsi } from './ansi.ts';

export { describeProgress, PROGRESS_PREFIX, type ProgressView } from '../../../shared/progress-view.ts';

export interface LogBufferOptions {
  /** Lines kept; older ones are dropped and counted in `droppedLines`. Default 100 000. */
  maxLines?: number;
  /** Characters kept of one line; the rest is dropped and replaced by a note. Default 100 000. */
  maxLineLength?: number;
}

export interface SearchOptions {
  caseSensitive?: boolean;
  /** Search only lines with index >= from (to extend an earlier search as lines arrive). */
  from?: number;
}

const AT = 0x40;
const CR = 0x0d;

/** A regular expression for the literal `query`, global, for finding matches within a line. */
export function searchPattern(query: string, caseSensitive = false): RegExp | undefined {
  if (query === '') return undefined;
  return new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), caseSensitive ? 'g' : 'gi');
}

/** The [start, end) ranges of `pattern` (from searchPattern) in `text`. */
export function matchRanges(text: string, pattern: RegExp | undefined): Array<[number, number]> {
  if (!pattern) return [];
  const out: Array<[number, number]> = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

let nextBufferId = 1;

export class LogBuffer {
  /** Unique per buffer (a React key: a view shown a new buffer starts afresh). */
  readonly id = nextBufferId++;
  readonly maxLines: number;
  readonly maxLineLength: number;
  private ring: string[] = [];
  private head = 0; // ring index of the oldest kept line, once the ring is full
  private dropped = 0;
  private tail = ''; // text after the last newline
  private tailOverflow = 0; // characters of the unfinished line dropped for maxLineLength
  private latestProgress: JobProgress | undefined;
  private changes = 0;
  private ended = false;
  private readonly listeners = new Set<() => void>();

  constructor(options: LogBufferOptions = {}) {
    this.maxLines = Math.max(1, Math.floor(options.maxLines ?? 100_000));
    this.maxLineLength = Math.max(1, Math.floor(options.maxLineLength ?? 100_000));
  }

  /** Increments on every change (lines, progress, end): a snapshot for useSyncExternalStore. */
  get version(): number {
    return this.changes;
  }

  /** Lines dropped to stay within maxLines. */
  get droppedLines(): number {
    return this.dropped;
  }

  /** Index of the oldest line still kept (= droppedLines). */
  get firstIndex(): number {
    return this.dropped;
  }

  /** Lines ever appended (kept + dropped); the next line gets this index. */
  get lineCount(): number {
    return this.dropped + this.ring.length;
  }

  /** Lines currently kept. */
  get size(): number {
    return this.ring.length;
  }

  /** The latest `@progress {…}` object, if any arrived. */
  get progress(): JobProgress | undefined {
    return this.latestProgress;
  }

  /** True after end(), until more text is appended. */
  get isEnded(): boolean {
    return this.ended;
  }

  /** The unfinished last line (held until its newline or end()). */
  get pending(): string {
    return this.tail;
  }

  /** The raw text (escape sequences included) of line `index`, or undefined if dropped or not yet there. */
  line(index: number): string | undefined {
    const offset = index - this.dropped;
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.ring.length) return undefined;
    return this.ring[(this.head + offset) % this.maxLines];
  }

  /** Lines [from, to) that are still kept, in order. */
  lines(from = this.firstIndex, to = this.lineCount): string[] {
    const out: string[] = [];
    for (let i = Math.max(from, this.firstIndex); i < Math.min(to, this.lineCount); i++) out.push(this.line(i)!);
    return out;
  }

  /** Adds a chunk of text; a line completes at `\n` (a `\r` before it is removed). */
  append(chunk: string): void {
    if (chunk === '') return;
    this.ended = false;
    const before = this.changes;
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl >= 0 && (this.tail !== '' || this.tailOverflow > 0)) {
      this.addTailPart(chunk.slice(0, nl));
      this.completeLine(this.takeTail());
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl >= 0) {
      let end = nl;
      if (end > start && chunk.charCodeAt(end - 1) === CR) end--;
      this.completeLine(end - start > this.maxLineLength ? this.clip(chunk.slice(start, end), 0) : chunk.slice(start, end));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) this.addTailPart(start === 0 ? chunk : chunk.slice(start));
    if (this.changes !== before) this.notify();
  }

  /** The stream is over: a final line without a newline is kept as a line. */
  end(): void {
    if (this.tail !== '' || this.tailOverflow > 0) this.completeLine(this.takeTail());
    this.ended = true;
    this.changes++;
    this.notify();
  }

  /**
   * Indexes of kept lines whose visible text (escape sequences removed) contains `query`, in order.
   * Case-insensitive unless asked.
   */
  search(query: string, options: SearchOptions = {}): number[] {
    const pattern = searchPattern(query, options.caseSensitive);
    if (!pattern) return [];
    const test = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    const out: number[] = [];
    const from = Math.max(this.firstIndex, options.from ?? 0);
    for (let i = from; i < this.lineCount; i++) {
      const raw = this.line(i)!;
      // The visible text is never longer than the raw text.
      if (raw.length >= query.length && test.test(stripAnsi(raw))) out.push(i);
    }
    return out;
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private addTailPart(part: string): void {
    const room = this.maxLineLength - this.tail.length;
    if (part.length <= room) this.tail += part;
    else {
      if (room > 0) this.tail += part.slice(0, room);
      this.tailOverflow += part.length - Math.max(0, room);
    }
  }

  private takeTail(): string {
    let line = this.tail;
    const overflow = this.tailOverflow;
    this.tail = '';
    this.tailOverflow = 0;
    if (overflow === 0 && line.charCodeAt(line.length - 1) === CR) line = line.slice(0, -1);
    return overflow > 0 ? this.clip(line, overflow) : line;
  }

  /** Shortens a line to maxLineLength, noting how much was cut (`extra` characters already gone). */
  private clip(line: string, extra: number): string {
    let cut = extra;
    if (line.length > this.maxLineLength) {
      cut += line.length - this.maxLineLength;
      line = line.slice(0, this.maxLineLength);
    }
    // Reset styles so the note is plain and a cut escape sequence cannot swallow it.
    return `${line}\x1b[0m … [${cut} more characters not shown]`;
  }

  private completeLine(line: string): void {
    if (line.charCodeAt(0) === AT && line.startsWith(PROGRESS_PREFIX)) {
      this.takeProgress(line.slice(PROGRESS_PREFIX.length));
      return;
    }
    if (this.ring.length < this.maxLines) this.ring.push(line);
    else {
      this.ring[this.head] = line;
      this.head = (this.head + 1) % this.maxLines;
      this.dropped++;
    }
    this.changes++;
  }

  private takeProgress(json: string): void {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return;
    }
    const parsed = JobProgress.safeParse(value);
    if (!parsed.success) return;
    this.latestProgress = parsed.data;
    this.changes++;
  }
}

/**
 * A search that keeps up with a growing buffer: update() searches only lines appended since the last
 * call and forgets matches in dropped lines. Returns a new array when the matches changed.
 */
export class LogSearch {
  private matches: number[] = [];
  private searchedTo = 0;

  constructor(
    readonly buffer: LogBuffer,
    readonly query: string,
    readonly caseSensitive = false,
  ) {}

  update(): number[] {
    if (this.query === '') return this.matches;
    const first = this.buffer.firstIndex;
    let matches = this.matches;
    if (matches.length > 0 && matches[0]! < first) {
      let cut = 0;
      while (cut < matches.length && matches[cut]! < first) cut++;
      matches = matches.slice(cut);
    }
    const to = this.buffer.lineCount;
    if (to > this.searchedTo) {
      const more = this.buffer.search(this.query, { caseSensitive: this.caseSensitive, from: this.searchedTo });
      this.searchedTo = to;
      if (more.length > 0) matches = matches.concat(more);
    }
    this.matches = matches;
    return matches;
  }
}
