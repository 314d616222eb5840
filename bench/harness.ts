/**
 * Benchmarks compare our code with an anchor (OpenSSH, GNU tar, a plain loop) in one run,
 * on the same machine and data, and report the ratio of their times: below 1 we are faster.
 */
export interface Measurement {
  name: string;
  /** Seconds (median of the runs). */
  ours: number;
  anchor: number;
  /** Optional context printed after the ratio, e.g. throughput. */
  note?: string;
}

export interface Benchmark {
  name: string;
  run(): Promise<Measurement[]>;
}

export function formatMeasurement(m: Measurement): string {
  const ratio = m.ours / m.anchor;
  return `${m.name}: ours ${m.ours.toFixed(4)} s, anchor ${m.anchor.toFixed(4)} s, ratio ${ratio.toFixed(2)}${m.note ? ` (${m.note})` : ''}`;
}

/** Runs `fn` `times` times after one warm-up and returns the median in seconds. */
export async function medianSeconds(times: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
