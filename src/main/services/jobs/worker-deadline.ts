/**
 * A run on an EC2 worker ends with the worker: a timeout that reaches past the worker's
 * deadline is flagged when the run starts, so the user can extend the worker or shorten the run.
 */
export function deadlineWarning(startedAt: Date, timeoutMinutes: number, deadline: string, workerName: string): string | undefined {
  const end = Date.parse(deadline);
  if (!Number.isFinite(end)) return undefined;
  const runEnd = startedAt.getTime() + timeoutMinutes * 60_000;
  if (runEnd <= end) return undefined;
  const left = Math.max(0, Math.round((end - startedAt.getTime()) / 60_000));
  return `The run's timeout (${formatSpan(timeoutMinutes)}) outlasts ${workerName}: it terminates itself at ${new Date(end).toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${formatSpan(left)}. Extend the worker or download the results before then.`;
}

function formatSpan(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  const whole = Math.round(minutes);
  return whole < 60 ? `${whole} min` : `${Math.floor(whole / 60)} h${whole % 60 ? ` ${whole % 60} min` : ''}`;
}
