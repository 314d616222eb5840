import type { NotificationClass } from '../../../../src/main/shell/expiry-notifications.ts';

/** Electron's Notification class as far as the shell uses it: records what was shown. */
export function fakeNotification(supported = true) {
  const shown: { title: string; body: string; click?: () => void }[] = [];
  class Fake {
    static isSupported = () => supported;
    private entry: { title: string; body: string; click?: () => void };
    constructor(options: { title: string; body: string }) {
      this.entry = { ...options };
    }
    on(_event: 'click', listener: () => void) {
      this.entry.click = listener;
      return this;
    }
    show() {
      shown.push(this.entry);
    }
  }
  return { Notification: Fake as NotificationClass, shown };
}
