import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { isCallName, isEventName } from '../shared/contract.ts';
import type { CallResult, EventEnvelope, Subscription } from '../shared/protocol.ts';

/**
 * The renderer's only door to the core: `window.workbench`, a Channel (see rpc-client.ts)
 * whose calls are exactly the contract's. Raw ipcRenderer is never exposed, and any name
 * outside the contract is refused here before it reaches IPC. Beside the contract it offers one
 * thing IPC cannot: the disk path of a file dropped on the window (webUtils, for drag-and-drop uploads).
 */
let receiver: ((batch: EventEnvelope[]) => void) | undefined;
ipcRenderer.on('events:batch', (_event, batch: EventEnvelope[]) => receiver?.(batch));

const notInContract = (what: string, name: unknown): CallResult => ({
  ok: false,
  error: { code: 'UNKNOWN_CALL', message: `There is no ${what} named ${JSON.stringify(String(name))}.`, retryable: false },
});

const bridge = {
  invoke(name: string, input: unknown): Promise<CallResult> {
    if (!isCallName(name)) return Promise.resolve(notInContract('call', name));
    return ipcRenderer.invoke(name, input) as Promise<CallResult>;
  },
  subscribe(sub: Subscription): void {
    if (isEventName(sub?.topic)) ipcRenderer.send('events:subscribe', { topic: sub.topic, key: sub.key });
  },
  unsubscribe(sub: Subscription): void {
    if (isEventName(sub?.topic)) ipcRenderer.send('events:unsubscribe', { topic: sub.topic, key: sub.key });
  },
  onEvents(receive: (batch: EventEnvelope[]) => void): void {
    receiver = receive;
  },
  /**
   * Where a file dropped on the window is on disk, so the Files view can upload it by path. Only
   * a File the page was handed by a drop or an <input> has one; anything else gives ''.
   */
  pathForFile(file: File): string {
    return file instanceof File ? webUtils.getPathForFile(file) : '';
  },
};

contextBridge.exposeInMainWorld('workbench', bridge);
