/**
 * The map/reduce runner's `@progress {json}` snapshots as people read them: what a progress bar
 * shows (describeProgress), and where a plain text log has no bar (a command line writing to a
 * file or pipe, a finished run's log), one line per step instead of one per snapshot.
 */
import { JobProgress } from './model.ts';

export const PROGRESS_PREFIX = '@progress ';

/** A plain line is written when a phase starts, ends, or its share done passes another tenth. */
const STEPS_PER_PHASE = 10;

export interface ProgressView {
  /** 0..1, or undefined when the fraction is unknown. */
  value: number | undefined;
  label: string;
  detail: string;
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
}

/** What a progress bar shows for the runner's latest `@progress` snapshot (phase, fraction, counts, ETA). */
export function describeProgress(progress: JobProgress): ProgressView {
  const phase = progress.phase ?? 'running';
  const parts: string[] = [];
  let value: number | undefined;
  const { files_done, files_total, bytes, bytes_total, records, bad_lines, reducers_done, reducers_total, elapsed_s } =
    progress;
  if (phase === 'reduce' && reducers_total) value = (reducers_done ?? 0) / reducers_total;
  else if (phase === 'done') value = 1;
  else if (bytes_total) value = (bytes ?? 0) / bytes_total;
  else if (files_total) value = (files_done ?? 0) / files_total;
  if (files_total !== undefined) parts.push(`${(files_done ?? 0).toLocaleString('en')} of ${plural(files_total, 'file')}`);
  if (bytes_total) parts.push(`${formatBytes(bytes ?? 0)} of ${formatBytes(bytes_total)}`);
  if (records !== undefined) parts.push(plural(records, 'record'));
  if (bad_lines) parts.push(plural(bad_lines, 'bad line'));
  if (phase === 'reduce' && reducers_total) parts.push(`${reducers_done ?? 0} of ${plural(reducers_total, 'reducer')}`);
  if (elapsed_s !== undefined) {
    parts.push(formatSeconds(elapsed_s));
    if (phase === 'map' && value !== undefined && value >= 0.02 && value < 1) {
      parts.push(`about ${formatSeconds((elapsed_s * (1 - value)) / value)} left in map`);
    }
  }
  if (value !== undefined) value = Math.min(1, Math.max(0, value));
  // upload/download: the app moving a remote run's code and output (see JobService).
  const label = { map: 'Map', reduce: 'Reduce', done: 'Done', upload: 'Uploading the job', download: 'Downloading the output' }[phase] ?? phase;
  return { value, label, detail: parts.join(' · ') };
}


/** `Map 40%: 3 of 12 files · ...`: a progress snapshot as one line of text. */
export function progressLine(view: ProgressView): string {
  const percent = view.value === undefined ? '' : ` ${Math.floor(view.value * 100)}%`;
  return `${view.label}${percent}${view.detail ? `: ${view.detail}` : ''}`;
}

/**
 * Picks the snapshots worth a line of their own: a new phase, and each further tenth of a
 * phase's work (the runner writes a snapshot about every half second).
 */
export class ProgressSteps {
  private phase: string | undefined;
  private step = -1;

  /** The line for this snapshot when it is a new step, else undefined. */
  next(progress: JobProgress): string | undefined {
    const view = describeProgress(progress);
    const step = view.value === undefined ? 0 : Math.floor(view.value * STEPS_PER_PHASE);
    if (progress.phase === this.phase && step <= this.step) return undefined;
    this.phase = progress.phase;
    this.step = step;
    return progressLine(view);
  }
}

/** The snapshot of a `@progress {json}` line; undefined for any other line, or a malformed one (which is just text). */
export function parseProgressLine(line: string): JobProgress | undefined {
  if (!line.startsWith(PROGRESS_PREFIX)) return undefined;
  try {
    const parsed = JobProgress.safeParse(JSON.parse(line.slice(PROGRESS_PREFIX.length)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A whole log with its progress lines written as step lines (the others dropped), for reading. */
export function readableLog(text: string): string {
  const steps = new ProgressSteps();
  const out: string[] = [];
  for (const line of text.split(/(?<=\n)/)) {
    const progress = parseProgressLine(line.endsWith('\n') ? line.slice(0, -1) : line);
    if (!progress) out.push(line);
    else {
      const step = steps.next(progress);
      if (step !== undefined) out.push(`${step}${line.endsWith('\n') ? '\n' : ''}`);
    }
  }
  return out.join('');
}
