import { cronExpressions, formatLocal, formatUtc, nextRuns, Schedule, shortMonthNote, type Frequency } from '../../../../shared/schedule.ts';

interface Props {
  frequency: Frequency;
  timeOfDay: string;
  startDate: string;
  endDate: string;
  showCron: boolean;
}

/**
 * The next five runs in UTC and in this computer's time, computed by the same shared code the
 * backends use, so what the form promises is what runs. Nothing is shown while the timing is
 * not valid yet (the fields say why).
 */
export function RunPreview({ frequency, timeOfDay, startDate, endDate, showCron }: Props) {
  const timing = Schedule.safeParse({ name: 'preview', tarball: 'x', frequency, timeOfDay, ...(startDate ? { startDate } : {}), ...(endDate ? { endDate } : {}) });
  const note = shortMonthNote(frequency);
  if (!timing.success) return <p className="muted small">The next runs are shown once the timing is complete.</p>;
  const runs = nextRuns(timing.data, new Date(), 5);
  return (
    <div className="run-preview" aria-label="Next runs">
      {note && (
        <p className="small short-month-note" role="note">
          {note}
        </p>
      )}
      {runs.length === 0 ? (
        <p className="muted small">No runs: the end date has passed.</p>
      ) : (
        <table className="preview-table">
          <thead>
            <tr>
              <th>Next runs (UTC)</th>
              <th>Your time</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.toISOString()}>
                <td>{formatUtc(run)}</td>
                <td>{formatLocal(run)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {showCron && <p className="muted small">EventBridge: {cronExpressions(timing.data).join(' and ')}</p>}
    </div>
  );
}
