import type { JobProgress } from '../shared/model.ts';
import { describeProgress, ProgressSteps, progressLine, type ProgressView } from '../shared/progress-view.ts';

const BAR_CELLS = 24;
/** Erases from the cursor to the end of the line. */
const ERASE_LINE = '\x1b[K';

/**
 * `Map [#########...............]  40%  3 of 12 files · ...`, cut to fit `columns` so the line
 * never wraps (a wrapped line could not be redrawn in place).
 */
export function progressBar(view: ProgressView, columns: number): string {
  const filled = view.value === undefined ? 0 : Math.round(view.value * BAR_CELLS);
  const bar = view.value === undefined ? '' : ` [${'#'.repeat(filled)}${'.'.repeat(BAR_CELLS - filled)}] ${String(Math.floor(view.value * 100)).padStart(3)}%`;
  const line = `${view.label}${bar}${view.detail ? `  ${view.detail}` : ''}`;
  const room = Math.max(1, columns - 1);
  return line.length <= room ? line : `${line.slice(0, Math.max(0, room - 1))}…`;
}

/**
 * The job's progress on the command line's stderr: on a terminal one bar redrawn in place,
 * otherwise one plain line per step (see ProgressSteps), never the raw `@progress` lines.
 */
export class CliProgress {
  private readonly steps = new ProgressSteps();
  private drawn: string | undefined;
  private last: JobProgress | undefined;

  constructor(
    private readonly write: (text: string) => void,
    /** The terminal's width when stderr is a terminal; undefined for plain lines. */
    private readonly terminalColumns: number | undefined,
  ) {}

  show(progress: JobProgress): void {
    this.last = progress;
    if (this.terminalColumns === undefined) {
      const step = this.steps.next(progress);
      if (step !== undefined) this.write(`${step}\n`);
      return;
    }
    this.drawn = progressBar(describeProgress(progress), this.terminalColumns);
    this.write(`\r${this.drawn}${ERASE_LINE}`);
  }

  /** Calls `print` with the bar taken off its line, and draws the bar again below what it printed. */
  around(print: () => void): void {
    if (this.drawn === undefined) return print();
    this.write(`\r${ERASE_LINE}`);
    print();
    this.write(`\r${this.drawn}${ERASE_LINE}`);
  }

  /** On a terminal, the bar gives way to the last state as a plain line, so what follows starts on a line of its own. */
  end(): void {
    if (this.drawn === undefined || this.last === undefined) return;
    this.write(`\r${progressLine(describeProgress(this.last))}${ERASE_LINE}\n`);
    this.drawn = undefined;
  }
}
