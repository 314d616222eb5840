import { warningTitle, type Ec2Warning } from '../../../../../shared/ec2-model.ts';

/**
 * Desktop notifications for the expiry warnings in the browser host, through the page's
 * Notification API. Under Electron the shell shows them from main (src/main/shell), so the
 * page stays quiet there and a warning is never shown twice.
 */
function pageNotifications(): typeof Notification | undefined {
  if (window.workbench) return undefined;
  return typeof Notification === 'function' ? Notification : undefined;
}

/** The browser has not been asked yet: the banner offers to turn notifications on. */
export function mayAskForNotifications(): boolean {
  return pageNotifications()?.permission === 'default';
}

/** Asks the browser (from a click: browsers ignore requests made without one). */
export async function askForNotifications(): Promise<boolean> {
  const api = pageNotifications();
  return api ? (await api.requestPermission()) === 'granted' : false;
}

/** Shows the warning on the desktop when allowed; a click brings the workbench's tab forward. */
export function notifyOnDesktop(warning: Ec2Warning, onClick: () => void): void {
  const api = pageNotifications();
  if (api?.permission !== 'granted') return;
  // One per worker: a newer warning replaces the older one instead of stacking up.
  const note = new api(warningTitle(warning), { body: warning.message, tag: `workbench-expiry-${warning.workerId}` });
  note.onclick = () => {
    window.focus();
    onClick();
    note.close();
  };
}
