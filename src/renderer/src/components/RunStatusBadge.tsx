import type { RunStatus } from '../../../shared/model.ts';

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
