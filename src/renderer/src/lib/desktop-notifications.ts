/**
 * Desktop notifications from the browser host, through the page's Notification API. Under
 * Electron the shell shows them from main (src/main/shell), so the page stays quiet there and
 * nothing is ever shown twice.
 */
function pageNotifications(): typeof Notification | undefined {
  if (window.workbench) return undefined;
  return typeof Notification === 'function' ? Notification : undefined;
}

/** The browser has not been asked yet: a banner may offer to turn notifications on. */
export function mayAskForNotifications(): boolean {
  return pageNotifications()?.permission === 'default';
}

/** The user allowed this page's notices (never under Electron, whose main process shows them). */
export function mayNotify(): boolean {
  return pageNotifications()?.permission === 'granted';
}

/** Who shows an offer to ask: every banner's offer goes away once the user has answered one. */
const answerListeners = new Set<() => void>();

export function onNotificationAnswer(listener: () => void): () => void {
  answerListeners.add(listener);
  return () => answerListeners.delete(listener);
}

/** Asks the browser (from a click: browsers ignore requests made without one). */
export async function askForNotifications(): Promise<boolean> {
  const api = pageNotifications();
  if (!api) return false;
  try {
    return (await api.requestPermission()) === 'granted';
  } finally {
    answerListeners.forEach((listener) => listener());
  }
}

export interface DesktopNotice {
  title: string;
  body: string;
  /** A newer notice with the same tag replaces the older one instead of stacking up. */
  tag: string;
  /** What a click on the notice shows; the workbench's tab is brought forward first. */
  onClick: () => void;
}

/** Shows the notice on the desktop when the user allowed it; otherwise does nothing. */
export function notifyOnDesktop({ title, body, tag, onClick }: DesktopNotice): void {
  const api = pageNotifications();
  if (!api || api.permission !== 'granted') return;
  const note = new api(title, { body, tag });
  note.onclick = () => {
    window.focus();
    onClick();
    note.close();
  };
}
