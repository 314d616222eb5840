import { costSoFar } from '../../../../../shared/ec2-model.ts';
import { useNow } from '../../../lib/clock.ts';
import { formatLeft, formatUsd } from '../../../lib/format.ts';
import './ec2.css';

export interface Ec2ClockProps {
  launchedAt: string;
  deadline: string;
  hourlyUsd: number;
  /** Still running past its deadline: the cost keeps counting. */
  overdue: boolean;
  /** The instance is alive (pending, running): else there is no time left to show. */
  live: boolean;
}

/**
 * An EC2 worker's time left and cost so far, ticking every second from its deadline (the
 * instance kills itself then, so the clock needs no answer from AWS to be right).
 */
export function Ec2Clock({ launchedAt, deadline, hourlyUsd, overdue, live }: Ec2ClockProps) {
  const now = useNow();
  const end = Date.parse(deadline);
  const left = live ? Math.max(0, (end - now) / 1000) : 0;
  const cost = costSoFar(hourlyUsd, launchedAt, new Date(overdue ? now : Math.min(now, end)));
  return (
    <span className="ec2-clock" aria-live="off">
      <span title={`Terminates itself at ${new Date(end).toLocaleString()}`}>{formatLeft(left)} left</span>
      <span>{formatUsd(cost)} so far</span>
    </span>
  );
}
