import { EVENT_FRAME_MS, isEventName } from '../shared/contract.ts';
import { WorkbenchError } from '../shared/errors.ts';
import { subscriptionKey, type EventEnvelope, type Subscription } from '../shared/protocol.ts';

/**
 * A subscriber's queue is sent at once, before its frame is over, when it holds this much (as
 * JSON): a burst of log never piles up in one connection's queue or in one huge message, and a
 * connection that cannot keep up finds out (by its send buffer) after this much, not after all.
 */
export const MAX_BATCH_BYTES = 1024 * 1024;

/**
 * Fan-out of core events to the transports' subscribers (one Electron window, WebSocket
 * clients), fed with every event of the EventBus (`bus.onEvery`). Each subscriber gets its own
 * queue, flushed once per frame as one batch (or sooner once it holds MAX_BATCH_BYTES), so a
 * burst of thousands of log lines costs the UI one message and one render. The core's own
 * listeners use the bus: they get each event at once, not a frame later.
 */
export class EventHub {
  private readonly subscribers = new Set<Subscriber>();

  constructor(private readonly frameMs = EVENT_FRAME_MS) {}

  /** Queues an event (checked by the bus that emitted it) for every subscriber that wants it. */
  publish(envelope: EventEnvelope): void {
    let bytes: number | undefined;
    for (const subscriber of this.subscribers) {
      if (!subscriber.wants(envelope)) continue;
      bytes ??= JSON.stringify(envelope).length;
      subscriber.offer(envelope, bytes);
    }
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
  private queuedBytes = 0;
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

  wants(event: EventEnvelope): boolean {
    return (
      this.subscriptions.has(event.topic) ||
      (event.key !== undefined && this.subscriptions.has(subscriptionKey({ topic: event.topic, key: event.key })))
    );
  }

  /** Queues a wanted event of `bytes` (its length as JSON). */
  offer(event: EventEnvelope, bytes: number): void {
    this.queue.push(event);
    this.queuedBytes += bytes;
    if (this.queuedBytes >= MAX_BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.frameMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    if (batch.length > 0) this.send(batch);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.queuedBytes = 0;
    this.subscriptions.clear();
    this.detach();
  }
}
