import { useEffect, useState } from 'react';
import type { Run, RunStatus } from '../../../../shared/model.ts';

const LABEL: Record<RunStatus, string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  'timed-out': 'Timed out',
  lost: 'Lost',
  'worker-gone': 'Worker gone',
};

export function RunStatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      {LABEL[status]}
    </span>
  );
}

/** How long a run took, or has been going (ticking while it runs). */
export function formatDuration(run: Run, now = Date.now()): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  const seconds = Math.max(0, Math.round((end - Date.parse(run.createdAt)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Re-renders every second while `active`, for durations that tick. */
export function useTick(active: boolean): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTick((t) => t + 1), 1000);
    return () => clearInterval(timer);
  }, [active]);
}
