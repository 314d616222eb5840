import type { ScheduleAlert } from '../../shared/schedule-calls.ts';
import type { EventBus } from '../bus.ts';
import type { NotificationClass } from './expiry-notifications.ts';

export function alertTitle(alert: ScheduleAlert): string {
  return `Scheduled job ${alert.job}: ${alert.status}`;
}

/**
 * Desktop notifications for scheduled runs that failed, timed out, were blocked or missed.
 * The core raises each alert once; those raised before the window existed (the check at
 * start) are shown first. A click brings the window forward on the job's history.
 */
export function showScheduleNotifications(bus: EventBus, Notification: NotificationClass, earlier: ScheduleAlert[], onClick: (alert: ScheduleAlert) => void): () => void {
  const show = (alert: ScheduleAlert) => {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: alertTitle(alert), body: alert.message });
    note.on('click', () => onClick(alert));
    note.show();
  };
  for (const alert of earlier) show(alert);
  return bus.on('schedules:alert', show);
}
