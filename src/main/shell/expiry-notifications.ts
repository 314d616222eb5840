import { warningTitle, type Ec2Warning } from '../../shared/ec2-model.ts';
import type { EventBus } from '../bus.ts';

/** The part of Electron's Notification class used here (passed in, so tests pass a fake). */
export interface NotificationClass {
  isSupported(): boolean;
  new (options: { title: string; body: string }): { show(): void; on(event: 'click', listener: () => void): unknown };
}

/**
 * Desktop notifications for the 60- and 15-minute warnings before an EC2 worker kills itself
 * or AWS terminates a Spark cluster. A click brings the window forward, where the in-app banner
 * offers "Download results".
 */
export function showExpiryNotifications(bus: EventBus, Notification: NotificationClass, onClick: (warning: Ec2Warning) => void): () => void {
  const show = (warning: Ec2Warning) => {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: warningTitle(warning), body: warning.message });
    note.on('click', () => onClick(warning));
    note.show();
  };
  const stops = [bus.on('ec2:warning', show), bus.on('clusters:warning', show)];
  return () => stops.forEach((stop) => stop());
}
