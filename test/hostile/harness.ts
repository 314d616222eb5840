import type { Targets } from './targets.ts';

/** The corpus's categories, in the order they run and are reported. */
export const CATEGORIES = ['browser-host', 'contract', 'cli', 'tarballs', 'run-job', 'secrets', 'faults'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a case found; the runner also gives `hung` when a case runs past its time. */
export type Verdict = 'refused' | 'accepted' | 'crashed' | 'hung';

export interface Outcome {
  verdict: Verdict;
  /** What happened, shown for any case that was not refused cleanly. */
  detail: string;
}

export interface HostileCase {
  /** Unique within its category: `family/variant`. */
  id: string;
  category: Category;
  description: string;
  /** Bounded time for the whole case, the target's answer included (default 5 s). */
  timeoutMs?: number;
  run(targets: Targets): Promise<Outcome>;
}

/** The input was refused: a clear message reached the caller and nothing was written. */
export const refused = (detail = ''): Outcome => ({ verdict: 'refused', detail });
/** The input was taken: extracted, saved, executed, or it leaked something. */
export const accepted = (detail: string): Outcome => ({ verdict: 'accepted', detail });
/** The target died, or answered with an unhandled error (a stack trace, a Python traceback). */
export const crashed = (detail: string): Outcome => ({ verdict: 'crashed', detail });

/** No answer in bounded time (a process the case had to kill). */
export const hung = (detail: string): Outcome => ({ verdict: 'hung', detail });

/** A value shortened for a one-line report, with control characters made visible. */
export function brief(value: unknown, max = 160): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  // eslint-disable-next-line no-control-regex -- control characters are what this makes visible
  const visible = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return visible.length > max ? `${visible.slice(0, max)}...` : visible;
}

/** Control and bidi characters that must never reach a terminal or page unescaped (tab and newline aside). */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A stack trace or a Python traceback in output meant for a person. */
export function traceIn(text: string): string | undefined {
  const match = /Traceback \(most recent call last\)|^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$|Unhandled 'error' event|UnhandledPromiseRejection/m.exec(text);
  return match ? match[0] : undefined;
}
