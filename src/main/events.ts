import { EVENT_FRAME_MS, events, isEventName, type EventName, type EventPayload } from '../shared/contract.ts';
import { WorkbenchError } from '../shared/errors.ts';
import { subscriptionKey, type EventEnvelope, type Subscription } from '../shared/protocol.ts';

/**
 * Fan-out of core events to connected subscribers (one Electron window, WebSocket clients).
 * Each subscriber gets its own queue, flushed at most once per frame as one batch, so a burst
 * of thousands of log lines costs the UI one message and one render.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly frameMs = EVENT_FRAME_MS) {}

  emit<E extends EventName>(topic: E, payload: EventPayload<E>, key?: string): void {
    // The payload is checked here, where a bug is cheap to find, not in every client.
    const checked = events[topic].parse(payload);
    const envelope: EventEnvelope = key === undefined ? { topic, payload: checked } : { topic, key, payload: checked };
    for (const subscriber of this.subscribers) subscriber.offer(envelope);
  }

  /** A connection's view of the hub; `send` receives each batch. */
  connect(send: (batch: EventEnvelope[]) => void): Subscriber {
    const subscriber = new Subscriber(send, this.frameMs, () => this.subscribers.delete(subscriber));
    this.subscribers.add(subscriber);
    return subscriber;
  }
}

export class Subscriber {
  private readonly subscriptions = new Set<string>();
  private queue: EventEnvelope[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (batch: EventEnvelope[]) => void,
    private readonly frameMs: number,
    private readonly detach: () => void,
  ) {}

  subscribe(sub: Subscription): void {
    if (!isEventName(sub.topic)) throw new WorkbenchError('BAD_INPUT', `There is no event named "${sub.topic}".`);
    this.subscriptions.add(subscriptionKey(sub));
  }

  unsubscribe(sub: Subscription): void {
    this.subscriptions.delete(subscriptionKey(sub));
  }

  offer(event: EventEnvelope): void {
    const wanted =
      this.subscriptions.has(event.topic) ||
      (event.key !== undefined && this.subscriptions.has(subscriptionKey({ topic: event.topic, key: event.key })));
    if (!wanted) return;
    this.queue.push(event);
    this.timer ??= setTimeout(() => this.flush(), this.frameMs);
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.send(batch);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue = [];
    this.subscriptions.clear();
    this.detach();
  }
}
