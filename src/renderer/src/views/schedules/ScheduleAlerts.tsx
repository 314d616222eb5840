import { useEffect, useState } from 'react';
import type { ScheduleAlert } from '../../../../shared/schedule-calls.ts';
import { useClient } from '../../api/context.tsx';
import { Banner } from '../../components/Banner.tsx';
import { mayNotify, notifyOnDesktop } from '../../lib/desktop-notifications.ts';
import { NotifyMeButton } from '../../components/NotifyMeButton.tsx';

const SHOWN_KEY = 'workbench-schedule-alerts-shown';

/** A desktop notification, once per alert even when the page reloads. */
function notifyOnce(alert: ScheduleAlert): void {
  if (!mayNotify()) return;
  const key = `${alert.job}/${alert.runId}`;
  const shown = new Set<string>(JSON.parse(sessionStorage.getItem(SHOWN_KEY) ?? '[]') as string[]);
  if (shown.has(key)) return;
  sessionStorage.setItem(SHOWN_KEY, JSON.stringify([...shown, key].slice(-100)));
  notifyOnDesktop({
    title: `Scheduled job ${alert.job}: ${alert.status}`,
    body: alert.message,
    tag: `workbench-schedule-${key}`,
    onClick: () => (location.hash = `#/schedules/${encodeURIComponent(alert.job)}`),
  });
}

/**
 * A failed, timed-out, blocked or missed scheduled run: a banner in the app and, in the browser
 * host, a desktop notification. The core sends each alert once, the first time it sees the run.
 */
export function ScheduleAlerts() {
  const client = useClient();
  const [alerts, setAlerts] = useState<ScheduleAlert[]>([]);

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
    <Banner
      key={alert.runId}
      level="error"
      data-schedule-alert={alert.job}
      onDismiss={() => dismiss(alert.runId)}
      actions={
        <>
          <NotifyMeButton />
          <a href={`#/schedules/${encodeURIComponent(alert.job)}`} onClick={() => dismiss(alert.runId)}>
            History
          </a>
        </>
      }
    >
      {alert.message}
    </Banner>
  ));
}
