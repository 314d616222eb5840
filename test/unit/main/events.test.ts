import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src/shared/model.ts';
import type { EventEnvelope } from '../../../src/shared/protocol.ts';
import { EventBus } from '../../../src/main/bus.ts';
import { EventHub, MAX_BATCH_BYTES } from '../../../src/main/events.ts';

/** A hub fed by a bus, as the workbench wires them: what is emitted on the bus goes out through the hub. */
function fedHub(frameMs?: number): { hub: EventHub; bus: EventBus } {
  const hub = new EventHub(frameMs);
  const bus = new EventBus();
  bus.onEvery((event) => hub.publish(event));
  return { hub, bus };
}

function collector() {
  const batches: EventEnvelope[][] = [];
  let wake: () => void = () => {};
  return {
    batches,
    send: (batch: EventEnvelope[]) => {
      batches.push(batch);
      wake();
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

describe('EventHub', () => {
  it('sends a burst of events as one batch per frame, in order', async () => {
    const { hub, bus } = fedHub(16);
    const sink = collector();
    hub.connect(sink.send).subscribe({ topic: 'settings:changed' });
    const arrived = sink.next();
    for (let i = 1; i <= 1000; i++) bus.emit('settings:changed', { ...DEFAULT_SETTINGS, workerLifetimeHours: (i % 24) + 1 });
    await arrived;
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]).toHaveLength(1000);
    expect(sink.batches[0]!.map((e) => (e.payload as { workerLifetimeHours: number }).workerLifetimeHours).slice(0, 3)).toEqual([2, 3, 4]);
  });

  it('sends a burst bigger than a batch holds as it fills, in order and complete', async () => {
    const { hub, bus } = fedHub(50);
    const sink = collector();
    hub.connect(sink.send).subscribe({ topic: 'jobs:log', key: 'run-1' });
    const text = 'x'.repeat(256 * 1024);
    for (let i = 0; i < 40; i++) bus.emit('jobs:log', { runId: 'run-1', offset: i * text.length, nextOffset: (i + 1) * text.length, text, done: false }, 'run-1');
    // Before the frame is over, everything but the last part of a batch went out already.
    const sentAtOnce = sink.batches.flat().length;
    expect(sentAtOnce).toBeGreaterThanOrEqual(40 - 4);
    for (const batch of sink.batches) expect(JSON.stringify(batch).length).toBeLessThanOrEqual(MAX_BATCH_BYTES + JSON.stringify(batch[0]).length);
    if (sentAtOnce < 40) await sink.next();
    expect(sink.batches.flat().map((e) => (e.payload as { offset: number }).offset)).toEqual(Array.from({ length: 40 }, (_, i) => i * text.length));
  });

  it('delivers only what a connection subscribed to, by topic or by key', async () => {
    const { hub, bus } = fedHub(1);
    const all = collector();
    const keyed = collector();
    const none = collector();
    hub.connect(all.send).subscribe({ topic: 'settings:changed' });
    hub.connect(keyed.send).subscribe({ topic: 'settings:changed', key: 'run-2' });
    hub.connect(none.send);
    const arrived = Promise.all([all.next(), keyed.next()]);
    bus.emit('settings:changed', DEFAULT_SETTINGS, 'run-1');
    bus.emit('settings:changed', DEFAULT_SETTINGS, 'run-2');
    await arrived;
    expect(all.batches.flat().map((e) => e.key)).toEqual(['run-1', 'run-2']);
    expect(keyed.batches.flat().map((e) => e.key)).toEqual(['run-2']);
    expect(none.batches).toEqual([]);
  });

  it('stops after unsubscribe and close', async () => {
    const { hub, bus } = fedHub(1);
    const sink = collector();
    const subscriber = hub.connect(sink.send);
    subscriber.subscribe({ topic: 'settings:changed' });
    subscriber.unsubscribe({ topic: 'settings:changed' });
    bus.emit('settings:changed', DEFAULT_SETTINGS);
    subscriber.subscribe({ topic: 'settings:changed' });
    subscriber.close();
    bus.emit('settings:changed', DEFAULT_SETTINGS);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.batches).toEqual([]);
  });

  it('refuses unknown topics and malformed payloads', () => {
    const { hub, bus } = fedHub();
    expect(() => hub.connect(() => {}).subscribe({ topic: 'jobs:nothing' })).toThrow(/no event named/);
    expect(() => bus.emit('settings:changed', { theme: 'x' } as never)).toThrow();
  });
});
