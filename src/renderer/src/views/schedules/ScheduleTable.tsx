import type { AlarmState, ScheduleView } from '../../../../shared/schedule-calls.ts';
import { describeTiming, formatLocal, formatUtc } from '../../../../shared/schedule.ts';

interface Props {
  schedules: ScheduleView[];
  selected: string | undefined;
  busy: string | undefined;
  /** AWS schedules' CloudWatch alarm states, by job. */
  alarms?: Record<string, AlarmState>;
  onToggle: (s: ScheduleView, enabled: boolean) => void;
  onRunNow: (s: ScheduleView) => void;
  onDelete: (s: ScheduleView) => void;
}

const ALARM_TEXT: Record<AlarmState, { label: string; title: string }> = {
  OK: { label: 'alarm: OK', title: 'CloudWatch alarm OK: the last runs succeeded and none was missed.' },
  ALARM: { label: 'alarm: ALARM', title: 'CloudWatch alarm: a run failed, timed out, was blocked, or did not happen; the alert e-mail was told.' },
  INSUFFICIENT_DATA: { label: 'alarm: no data yet', title: 'CloudWatch alarm: not enough data yet (no run has ended since it was made).' },
};

/** Every schedule with its timing, next run, backend (an AWS one with its alarm's state), and what can be done to it. */
export function ScheduleTable({ schedules, selected, busy, alarms, onToggle, onRunNow, onDelete }: Props) {
  return (
    <table className="schedule-table">
      <thead>
        <tr>
          <th>Enabled</th>
          <th>Job</th>
          <th>When</th>
          <th>Next run</th>
          <th>Runs on</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {schedules.map((s) => (
          <tr key={s.name} data-schedule={s.name} aria-current={s.name === selected ? 'true' : undefined}>
            <td>
              <input type="checkbox" checked={s.enabled} disabled={busy === s.name} aria-label={`${s.name} enabled`} onChange={(e) => onToggle(s, e.target.checked)} />
            </td>
            <td>
              <a href={`#/schedules/${encodeURIComponent(s.name)}`}>{s.name}</a>
              {s.visibility === 'public' && <span className="tag">public</span>}
            </td>
            <td>{describeTiming(s)}</td>
            <td title={s.nextRun ? formatLocal(new Date(s.nextRun)) : undefined}>{s.nextRun ? formatUtc(new Date(s.nextRun)) : <span className="muted">{s.enabled ? 'no more runs' : 'disabled'}</span>}</td>
            <td>
              {s.backend === 'aws' ? 'AWS' : s.worker === 'local' ? 'this app' : `this app → ${s.worker}`}
              {s.backend === 'aws' && alarms?.[s.name] && (
                <span className={`alarm-state ${alarms[s.name]}`} title={ALARM_TEXT[alarms[s.name]!].title} aria-label={`Alarm ${alarms[s.name]}`}>
                  {ALARM_TEXT[alarms[s.name]!].label}
                </span>
              )}
            </td>
            <td>
              <div className="actions">
                <button type="button" onClick={() => onRunNow(s)} disabled={busy === s.name}>
                  Run now
                </button>
                <a className="button" href={`#/schedules/${encodeURIComponent(s.name)}/edit`}>
                  Edit
                </a>
                <button type="button" className="danger" onClick={() => onDelete(s)} disabled={busy === s.name}>
                  Delete
                </button>
              </div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
