import { useSyncExternalStore } from 'react';
import { askForNotifications, mayAskForNotifications, onNotificationAnswer } from '../lib/desktop-notifications.ts';

/**
 * "Notify me on the desktop" in a banner, shown only while the browser has not been asked:
 * once the user answers one (either way) every offer goes away, as asking again would be ignored.
 */
export function NotifyMeButton() {
  const mayAsk = useSyncExternalStore(onNotificationAnswer, mayAskForNotifications);
  if (!mayAsk) return null;
  return (
    <button type="button" className="link-button" onClick={() => void askForNotifications()}>
      Notify me on the desktop
    </button>
  );
}
