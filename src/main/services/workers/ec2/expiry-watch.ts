import { EXPIRY_WARNING_MINUTES, type Ec2Warning } from '../../../../shared/ec2-model.ts';

export interface WatchedWorker {
  id: string;
  name: string;
  deadline: string;
  live: boolean;
}

/**
 * Warns 60 and 15 minutes before each worker kills itself, once per threshold. A worker
 * first seen with 10 minutes left gets only the 15-minute warning; an extended one (a new
 * deadline) is warned again.
 */
export class ExpiryWatch {
  private readonly warned = new Map<string, { deadline: string; minutes: number }>();

  constructor(private readonly warn: (warning: Ec2Warning) => void) {}

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
        message: `${worker.name} terminates itself in ${minutesLeft} minute${minutesLeft === 1 ? '' : 's'} (at ${worker.deadline.slice(11, 16)} UTC). Download your results now, or extend its lifetime.`,
      });
    }
  }
}
