import { typedCall, type WorkbenchClient } from '../shared/rpc-client.ts';
import type { EventBus } from './bus.ts';
import type { Dispatch } from './rpc.ts';

/** The typed client over a core in this same process; `close` ends every subscription it made. */
export interface InProcessClient extends WorkbenchClient {
  close(): void;
}

/**
 * The contract's typed client with no transport between it and the core: calls go through
 * `dispatch` like a window's or a WebSocket's (inputs parsed, outputs checked, failures thrown
 * as RemoteError), events come from the core's bus, at once and in the order they were emitted.
 */
export function inProcessClient(core: { dispatch: Dispatch; bus: EventBus }): InProcessClient {
  const subscriptions = new Set<() => void>();
  return {
    call: typedCall((name, input) => core.dispatch(name, input)),
    subscribe(topic, handler, key) {
      const off = core.bus.on(topic, handler, key);
      subscriptions.add(off);
      return () => {
        off();
        subscriptions.delete(off);
      };
    },
    close() {
      for (const off of subscriptions) off();
      subscriptions.clear();
    },
  };
}
