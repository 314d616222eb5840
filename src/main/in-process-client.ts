import type { EventEnvelope } from '../shared/protocol.ts';
import { createClient, type WorkbenchClient } from '../shared/rpc-client.ts';
import type { EventHub } from './events.ts';
import type { Dispatch } from './rpc.ts';

/** The typed client over a core in this same process; `close` ends its event subscriptions. */
export interface InProcessClient extends WorkbenchClient {
  close(): void;
}

/**
 * The client the UI uses (rpc-client.ts), on a channel that reaches the core without a
 * transport: calls go through `dispatch` (inputs parsed, outputs checked, errors as results),
 * events come from the hub like a window's or a WebSocket's.
 */
export function inProcessClient(core: { dispatch: Dispatch; hub: EventHub }): InProcessClient {
  let receive: (batch: EventEnvelope[]) => void = () => undefined;
  const subscriber = core.hub.connect((batch) => receive(batch));
  const client = createClient({
    invoke: (name, input) => core.dispatch(name, input),
    subscribe: (sub) => subscriber.subscribe(sub),
    unsubscribe: (sub) => subscriber.unsubscribe(sub),
    onEvents: (handler) => (receive = handler),
  });
  return { ...client, close: () => subscriber.close() };
}
