import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent, WebContents } from 'electron';
import { CALL_NAMES } from '../../shared/contract.ts';
import { Subscription } from '../../shared/protocol.ts';
import type { Workbench } from '../workbench.ts';

export const EVENTS_CHANNEL = 'events:batch';
export const SUBSCRIBE_CHANNEL = 'events:subscribe';
export const UNSUBSCRIBE_CHANNEL = 'events:unsubscribe';

/**
 * True only for the main frame of our own window showing our own page. The page URL is
 * compared whole (scheme, host, path), never by prefix, so a frame of any other origin or
 * path, or a subframe, is refused.
 */
export function isTrustedSender(event: IpcMainEvent | IpcMainInvokeEvent, window: WebContents, appUrl: string): boolean {
  const frame = event.senderFrame;
  if (!frame || event.sender !== window || frame !== window.mainFrame) return false;
  try {
    const got = new URL(frame.url);
    const want = new URL(appUrl);
    return got.protocol === want.protocol && got.host === want.host && got.pathname === want.pathname;
  } catch {
    return false;
  }
}

/**
 * The one choke point for IPC: a handler per contract call (and the event subscription
 * channels), each checking the sender before anything else. Refused senders get nothing.
 */
export function registerIpc(ipcMain: IpcMain, workbench: Workbench, window: WebContents, appUrl: () => string): () => void {
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent) => isTrustedSender(event, window, appUrl());
  const subscriber = workbench.hub.connect((batch) => {
    if (!window.isDestroyed()) window.send(EVENTS_CHANNEL, batch);
  });

  for (const name of CALL_NAMES) {
    ipcMain.handle(name, (event, input: unknown) => {
      if (!trusted(event)) return { ok: false, error: { code: 'FORBIDDEN', message: 'Refused: not the workbench window.', retryable: false } };
      return workbench.dispatch(name, input);
    });
  }
  const onSubscribe = (event: IpcMainEvent, raw: unknown) => {
    const sub = Subscription.safeParse(raw);
    if (!trusted(event) || !sub.success) return;
    try {
      subscriber.subscribe(sub.data);
    } catch {
      /* unknown topic: the preload only sends contract topics, so this is not our page */
    }
  };
  const onUnsubscribe = (event: IpcMainEvent, raw: unknown) => {
    const sub = Subscription.safeParse(raw);
    if (trusted(event) && sub.success) subscriber.unsubscribe(sub.data);
  };
  ipcMain.on(SUBSCRIBE_CHANNEL, onSubscribe);
  ipcMain.on(UNSUBSCRIBE_CHANNEL, onUnsubscribe);

  return () => {
    for (const name of CALL_NAMES) ipcMain.removeHandler(name);
    ipcMain.removeListener(SUBSCRIBE_CHANNEL, onSubscribe);
    ipcMain.removeListener(UNSUBSCRIBE_CHANNEL, onUnsubscribe);
    subscriber.close();
  };
}
