import { EXPIRY_WARNING_MINUTES, type Ec2Warning } from '../../../shared/ec2-model.ts';

/** A warning before a worker's deadline: an EC2 worker's or a Spark cluster's (same fields). */
export type ExpiryWarning = Ec2Warning;

export interface WatchedWorker {
  id: string;
  name: string;
  deadline: string;
  live: boolean;
}

/** What ends a worker at its deadline, as a warning says it: "crunch terminates itself". */
export type Ending = (name: string) => string;

/** An EC2 worker's instance shuts itself down at its deadline. */
export const endsItself: Ending = (name) => `${name} terminates itself`;

/**
 * Warns 60 and 15 minutes before each worker's deadline, once per threshold. A worker first
 * seen with 10 minutes left gets only the 15-minute warning; an extended one (a new deadline)
 * is warned again. EC2 workers and Spark clusters are watched alike; `ending` names what ends
 * them.
 */
export class ExpiryWatch {
  private readonly warned = new Map<string, { deadline: string; minutes: number }>();

  constructor(
    private readonly warn: (warning: ExpiryWarning) => void,
    private readonly ending: Ending = endsItself,
  ) {}

  check(workers: WatchedWorker[], now: Date): void {
    for (const worker of workers) {
      if (!worker.live) continue;
      const left = (Date.parse(worker.deadline) - now.getTime()) / 60_000;
      if (left <= 0) continue;
      const threshold = [...EXPIRY_WARNING_MINUTES].sort((a, b) => a - b).find((m) => left <= m);
      if (threshold === undefined) continue;
      const last = this.warned.get(worker.id);
      if (last && last.deadline === worker.deadline && last.minutes <= threshold) continue;
      this.warned.set(worker.id, { deadline: worker.deadline, minutes: threshold });
      const minutesLeft = Math.max(1, Math.round(left));
      this.warn({
        workerId: worker.id,
        name: worker.name,
        minutesLeft,
        deadline: worker.deadline,
        message: `${this.ending(worker.name)} in ${minutesLeft} minute${minutesLeft === 1 ? '' : 's'} (at ${worker.deadline.slice(11, 16)} UTC). Download your results now, or extend its lifetime.`,
      });
    }
  }

  /**
   * Checks the workers `read` gives against the clock `now` every `intervalMs` until the
   * returned function is called. A failed read skips that check; the next one reads again.
   */
  every(intervalMs: number, read: () => Promise<WatchedWorker[]>, now: () => Date): () => void {
    const timer = setInterval(() => {
      read().then(
        (workers) => this.check(workers, now()),
        () => undefined,
      );
    }, intervalMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }
}
