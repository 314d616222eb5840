import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../../src/main/bus.ts';
import { showExpiryNotifications } from '../../../../src/main/shell/expiry-notifications.ts';
import type { Ec2Warning } from '../../../../src/shared/ec2-model.ts';
import { fakeNotification } from './fake-notification.ts';

const warning: Ec2Warning = { workerId: 'ec2-abcdefgh', name: 'crunch', minutesLeft: 15, deadline: '2026-11-29T12:00:00.000Z', message: 'crunch terminates itself in 15 minutes.' };

describe('desktop notifications for expiry warnings (Electron Notification, mocked)', () => {
  const cluster: Ec2Warning = { workerId: 'emr-abcd1234', name: 'spark-big', minutesLeft: 60, deadline: '2026-11-29T12:00:00.000Z', message: 'AWS terminates spark-big in 60 minutes (at 12:00 UTC).' };

  it.each([
    ['ec2:warning', warning, 'crunch: 15 minutes left'],
    ['clusters:warning', cluster, 'spark-big: 60 minutes left'],
  ] as const)('shows one per %s, a click reports which worker, and nothing once stopped', async (topic, shownWarning, title) => {
    const bus = new EventBus();
    const { Notification, shown } = fakeNotification();
    const clicked = vi.fn();
    const stop = showExpiryNotifications(bus, Notification, clicked);
    bus.emit(topic, shownWarning, shownWarning.workerId);
    await vi.waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]).toMatchObject({ title, body: shownWarning.message });
    shown[0]?.click?.();
    expect(clicked).toHaveBeenCalledWith(shownWarning);
    stop();
    bus.emit(topic, shownWarning, shownWarning.workerId);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shown).toHaveLength(1);
  });

  it('stays quiet where the system has no notifications', async () => {
    const bus = new EventBus();
    const { Notification, shown } = fakeNotification(false);
    showExpiryNotifications(bus, Notification, () => {});
    bus.emit('ec2:warning', warning, warning.workerId);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shown).toEqual([]);
  });
});
