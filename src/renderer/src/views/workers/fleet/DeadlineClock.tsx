import { costSoFar } from '../../../../../shared/ec2-model.ts';
import { useNow } from '../../../lib/clock.ts';
import { formatLeft, formatUsd } from '../../../lib/format.ts';
import './fleet.css';

export interface DeadlineClockProps {
  launchedAt: string;
  deadline: string;
  hourlyUsd: number;
  /** Still running past its deadline: the cost keeps counting. */
  overdue?: boolean;
  /** It is alive (launching, running): else there is no time left to show, only the cost. */
  live: boolean;
  /** The cost once it is no longer alive (counted to its end, which the deadline may not be). */
  finalUsd?: number;
  /** What happens at the deadline, for the tooltip: "Terminates itself", "AWS terminates it". */
  ending?: string;
}

/**
 * A worker's time left and cost so far, ticking every second from its deadline (the instance
 * or AWS ends it then, so the clock needs no answer from AWS to be right).
 */
export function DeadlineClock({ launchedAt, deadline, hourlyUsd, overdue = false, live, finalUsd, ending = 'Terminates itself' }: DeadlineClockProps) {
  const now = useNow();
  const end = Date.parse(deadline);
  const left = live ? Math.max(0, (end - now) / 1000) : 0;
  const cost = !live && finalUsd !== undefined ? finalUsd : costSoFar(hourlyUsd, launchedAt, new Date(overdue ? now : Math.min(now, end)));
  return (
    <span className="ec2-clock" aria-live="off">
      {live && <span title={`${ending} at ${new Date(end).toLocaleString()}`}>{formatLeft(left)} left</span>}
      <span>{formatUsd(cost)} so far</span>
    </span>
  );
}
