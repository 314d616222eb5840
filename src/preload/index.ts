import { contextBridge, ipcRenderer } from 'electron';
import { isCallName, isEventName } from '../shared/contract.ts';
import type { CallResult, EventEnvelope, Subscription } from '../shared/protocol.ts';

/**
 * The renderer's only door to the core: `window.workbench`, a Channel (see rpc-client.ts)
 * whose calls are exactly the contract's. Raw ipcRenderer is never exposed, and any name
 * outside the contract is refused here before it reaches IPC.
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
};

contextBridge.exposeInMainWorld('workbench', bridge);
