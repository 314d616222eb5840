import type { JobProgress } from '../../../shared/model.ts';
import { parseProgressLine, PROGRESS_PREFIX } from '../../../shared/progress-view.ts';

/**
 * Bytes of a log up to and including its last newline: while a run is live only whole lines
 * are handed on, so a line (or a UTF-8 character) is never split between two deliveries.
 */
export function completeLines(data: Buffer): Buffer {
  const end = data.lastIndexOf(0x0a);
  return end < 0 ? data.subarray(0, 0) : data.subarray(0, end + 1);
}

/** The last valid `@progress {json}` line in `text`, if any. */
export function lastProgress(text: string): JobProgress | undefined {
  let at = text.lastIndexOf(PROGRESS_PREFIX);
  while (at >= 0) {
    if (at === 0 || text[at - 1] === '\n') {
      const end = text.indexOf('\n', at);
      const progress = parseProgressLine(text.slice(at, end < 0 ? undefined : end));
      if (progress) return progress;
    }
    at = at === 0 ? -1 : text.lastIndexOf(PROGRESS_PREFIX, at - 1);
  }
  return undefined;
}

/** The last few lines a person would read to see why a run failed (no progress lines). */
export function tailForPeople(text: string, lines = 5): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith(PROGRESS_PREFIX))
    .slice(-lines)
    .join('\n');
}
