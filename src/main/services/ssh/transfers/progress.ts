/**
 * Speed as bytes over the last few seconds, not since the start: after a stall or a resume the
 * figure (and the ETA from it) follows what the link does now.
 */
export class SpeedMeter {
  private samples: Array<{ at: number; bytes: number }> = [];

  constructor(private readonly windowMs = 3000) {}

  /** Records the running total `bytes` at time `at` (ms). */
  add(at: number, bytes: number): void {
    this.samples.push({ at, bytes });
    // Keep one sample at or before the window's start, so the window is always fully covered.
    while (this.samples.length > 2 && this.samples[1]!.at <= at - this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window; 0 until two samples are at least 200 ms apart. */
  bytesPerSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.at - first.at < 200) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  reset(): void {
    this.samples = [];
  }
}

/** Seconds left at `bytesPerSecond`, or undefined when there is no speed to go by. */
export function etaSeconds(remaining: number, bytesPerSecond: number): number | undefined {
  if (remaining <= 0) return 0;
  return bytesPerSecond > 0 ? remaining / bytesPerSecond : undefined;
}
