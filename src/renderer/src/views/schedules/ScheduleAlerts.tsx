import { useEffect, useState } from 'react';
import type { ScheduleAlert } from '../../../../shared/schedule-calls.ts';
import { useClient } from '../../api/context.tsx';

/** The page's Notification API in the browser host; under Electron main shows them (src/main/shell). */
function pageNotifications(): typeof Notification | undefined {
  if (window.workbench) return undefined;
  return typeof Notification === 'function' ? Notification : undefined;
}

const SHOWN_KEY = 'workbench-schedule-alerts-shown';

/** A desktop notification, once per alert even when the page reloads. */
function notifyOnce(alert: ScheduleAlert): void {
  const api = pageNotifications();
  if (api?.permission !== 'granted') return;
  const key = `${alert.job}/${alert.runId}`;
  const shown = new Set<string>(JSON.parse(sessionStorage.getItem(SHOWN_KEY) ?? '[]') as string[]);
  if (shown.has(key)) return;
  sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...shown, key].slice(-100)));
  const note = new api(`Scheduled job ${alert.job}: ${alert.status}`, { body: alert.message, tag: `workbench-schedule-${key}` });
  note.onclick = () => {
    window.focus();
    location.hash = `#/schedules/${encodeURIComponent(alert.job)}`;
    note.close();
  };
}

/**
 * A failed, timed-out, blocked or missed scheduled run: a banner in the app and, in the browser
 * host, a desktop notification. The core sends each alert once, the first time it sees the run.
 */
export function ScheduleAlerts() {
  const client = useClient();
  const [alerts, setAlerts] = useState<ScheduleAlert[]>([]);
  const [mayAsk, setMayAsk] = useState(() => pageNotifications()?.permission === 'default');

  useEffect(() => {
    const show = (alert: ScheduleAlert) => {
      setAlerts((current) => [...current.filter((a) => a.runId !== alert.runId), alert].slice(-5));
      notifyOnce(alert);
    };
    const stop = client.subscribe('schedules:alert', show);
    // Alerts raised before this page connected (the check when the app starts).
    client.call('schedules:alerts').then((earlier) => earlier.forEach(show), () => undefined);
    return stop;
  }, [client]);

  const dismiss = (runId: string) => setAlerts((current) => current.filter((a) => a.runId !== runId));
  return alerts.map((alert) => (
    <div key={alert.runId} className="banner error" role="alert" data-schedule-alert={alert.job}>
      <span>{alert.message}</span>
      <span className="row">
        {mayAsk && (
          <button type="button" className="link-button" onClick={() => void pageNotifications()?.requestPermission().finally(() => setMayAsk(pageNotifications()?.permission === 'default'))}>
            Notify me on the desktop
          </button>
        )}
        <a href={`#/schedules/${encodeURIComponent(alert.job)}`} onClick={() => dismiss(alert.runId)}>
          History
        </a>
        <button type="button" onClick={() => dismiss(alert.runId)} aria-label="Dismiss">
          ×
        </button>
      </span>
    </div>
  ));
}
