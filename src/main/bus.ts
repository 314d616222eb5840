import { events, type EventName, type EventPayload } from '../shared/contract.ts';
import type { EventEnvelope } from '../shared/protocol.ts';

/** A listener of one topic: the checked payload, and the key it was emitted under (a run id, a worker id). */
export type BusListener<E extends EventName> = (payload: EventPayload<E>, key: string | undefined) => void;

/**
 * The core's own event bus: services emit the contract's events here, and the core's own
 * subscribers (a run ending with its worker, a desktop notification, a CLI command following a
 * run) listen by topic with typed payloads, called at once, in emit order. Transports do not
 * listen here one by one: the EventHub takes every event (`onEvery`) and batches it per frame.
 */
export class EventBus {
  private readonly listeners = new Map<EventName, Set<BusListener<EventName>>>();
  private readonly every = new Set<(event: EventEnvelope) => void>();

  constructor(private readonly onListenerError: (err: unknown, topic: EventName) => void = reportListenerError) {}

  emit<E extends EventName>(topic: E, payload: EventPayload<E>, key?: string): void {
    // The payload is checked here, where a bug is cheap to find, not in every client.
    const checked = events[topic].parse(payload) as EventPayload<E>;
    for (const listener of this.listeners.get(topic) ?? []) {
      // A failing listener is reported, and neither the service that emitted nor the other listeners see it.
      try {
        listener(checked, key);
      } catch (err) {
        this.onListenerError(err, topic);
      }
    }
    if (this.every.size === 0) return;
    const envelope: EventEnvelope = key === undefined ? { topic, payload: checked } : { topic, key, payload: checked };
    for (const listener of this.every) listener(envelope);
  }

  /** Calls `listener` for every `topic` event (only those emitted under `key` when given); returns the unsubscribe. */
  on<E extends EventName>(topic: E, listener: BusListener<E>, key?: string): () => void {
    const wrapped: BusListener<E> = key === undefined ? listener : (payload, k) => k === key && listener(payload, k);
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(wrapped as BusListener<EventName>);
    return () => void set.delete(wrapped as BusListener<EventName>);
  }

  /** Every event as an envelope, after its topic's listeners: the feed of the transports' EventHub. */
  onEvery(listener: (event: EventEnvelope) => void): () => void {
    this.every.add(listener);
    return () => void this.every.delete(listener);
  }
}

function reportListenerError(err: unknown, topic: EventName): void {
  console.error(`workbench: a listener of ${topic} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
