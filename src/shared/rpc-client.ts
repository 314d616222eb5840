import { RemoteError } from './errors.ts';
import type { CallInput, CallName, CallOutput, EventName, EventPayload } from './contract.ts';
import { subscriptionKey, type CallResult, type EventEnvelope, type Subscription } from './protocol.ts';

/** What a transport must do for the client: the preload bridge and the WebSocket both fit. */
export interface Channel {
  invoke(name: string, input: unknown): Promise<CallResult>;
  subscribe(sub: Subscription): void;
  unsubscribe(sub: Subscription): void;
  /** Registers the one receiver of event batches. */
  onEvents(receive: (batch: EventEnvelope[]) => void): void;
}

export type EventHandler<E extends EventName> = (payload: EventPayload<E>, key: string | undefined) => void;

/** A contract call by name: its input and output typed from the contract; errors arrive as thrown RemoteError. */
export type TypedCall = <N extends CallName>(name: N, ...input: undefined extends CallInput<N> ? [input?: CallInput<N>] : [input: CallInput<N>]) => Promise<CallOutput<N>>;

/** The typed API the UI, the CLI and tests use. */
export interface WorkbenchClient {
  call: TypedCall;
  subscribe<E extends EventName>(topic: E, handler: EventHandler<E>, key?: string): () => void;
}

/** `call` over any way of invoking the core (a channel, or a dispatcher in this process). */
export function typedCall(invoke: Channel['invoke']): TypedCall {
  return async (name, ...args) => {
    const result = await invoke(name, args[0]);
    if (!result.ok) throw new RemoteError(result.error);
    return result.value as never;
  };
}

export function createClient(channel: Channel): WorkbenchClient {
  // One transport subscription per (topic, key), however many UI handlers listen to it.
  const handlers = new Map<string, Set<(payload: unknown, key: string | undefined) => void>>();

  channel.onEvents((batch) => {
    for (const event of batch) {
      const exact = event.key === undefined ? undefined : handlers.get(subscriptionKey(event as Subscription));
      const all = handlers.get(event.topic);
      for (const set of [exact, all]) {
        if (!set) continue;
        for (const handler of set) handler(event.payload, event.key);
      }
    }
  });

  return {
    call: typedCall((name, input) => channel.invoke(name, input)),
    subscribe(topic, handler, key) {
      const sub: Subscription = key === undefined ? { topic } : { topic, key };
      const id = subscriptionKey(sub);
      let set = handlers.get(id);
      if (!set) {
        set = new Set();
        handlers.set(id, set);
        channel.subscribe(sub);
      }
      const entry = handler as (payload: unknown, key: string | undefined) => void;
      set.add(entry);
      return () => {
        const current = handlers.get(id);
        if (!current?.delete(entry) || current.size > 0) return;
        handlers.delete(id);
        channel.unsubscribe(sub);
      };
    },
  };
}
