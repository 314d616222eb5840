import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../../src/main/bus.ts';
import { showScheduleNotifications } from '../../../../src/main/shell/schedule-notifications.ts';
import type { ScheduleAlert } from '../../../../src/shared/schedule-calls.ts';
import { fakeNotification } from './fake-notification.ts';

const failed: ScheduleAlert = { job: 'slowsql', runId: '20261129-120000-abcdef', status: 'failed', message: 'slowsql failed: The command failed with exit code 3; nothing was published.' };
const missed: ScheduleAlert = { job: 'slowsql', runId: 'missed-2026-11-28T12:00:00.000Z', status: 'missed', message: 'slowsql did not run at 2026-11-28T12:00:00.000Z.' };

describe('desktop notifications for scheduled runs (Electron Notification, mocked)', () => {
  it('shows alerts raised before the window first, then each new one; a click reports which', async () => {
    const bus = new EventBus();
    const { Notification, shown } = fakeNotification();
    const clicked = vi.fn();
    const stop = showScheduleNotifications(bus, Notification, [missed], clicked);
    expect(shown.map((n) => n.title)).toEqual(['Scheduled job slowsql: missed']);
    bus.emit('schedules:alert', failed, failed.job);
    await vi.waitFor(() => expect(shown).toHaveLength(2));
    expect(shown[1]).toMatchObject({ title: 'Scheduled job slowsql: failed', body: failed.message });
    shown[1]?.click?.();
    expect(clicked).toHaveBeenCalledWith(failed);
    stop();
    bus.emit('schedules:alert', failed, failed.job);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(shown).toHaveLength(2);
  });

  it('stays quiet where the system has no notifications', () => {
    const { Notification, shown } = fakeNotification(false);
    showScheduleNotifications(new EventBus(), Notification, [missed], () => {});
    expect(shown).toEqual([]);
  });
});
