import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../src/shared/model.ts';
import type { EventEnvelope } from '../../../src/shared/protocol.ts';
import { EventHub } from '../../../src/main/events.ts';

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
    const hub = new EventHub(16);
    const sink = collector();
    hub.connect(sink.send).subscribe({ topic: 'settings:changed' });
    const arrived = sink.next();
    for (let i = 1; i <= 1000; i++) hub.emit('settings:changed', { ...DEFAULT_SETTINGS, workerLifetimeHours: (i % 24) + 1 });
    await arrived;
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]).toHaveLength(1000);
    expect(sink.batches[0]!.map((e) => (e.payload as { workerLifetimeHours: number }).workerLifetimeHours).slice(0, 3)).toEqual([2, 3, 4]);
  });

  it('delivers only what a connection subscribed to, by topic or by key', async () => {
    const hub = new EventHub(1);
    const all = collector();
    const keyed = collector();
    const none = collector();
    hub.connect(all.send).subscribe({ topic: 'settings:changed' });
    hub.connect(keyed.send).subscribe({ topic: 'settings:changed', key: 'run-2' });
    hub.connect(none.send);
    const arrived = Promise.all([all.next(), keyed.next()]);
    hub.emit('settings:changed', DEFAULT_SETTINGS, 'run-1');
    hub.emit('settings:changed', DEFAULT_SETTINGS, 'run-2');
    await arrived;
    expect(all.batches.flat().map((e) => e.key)).toEqual(['run-1', 'run-2']);
    expect(keyed.batches.flat().map((e) => e.key)).toEqual(['run-2']);
    expect(none.batches).toEqual([]);
  });

  it('stops after unsubscribe and close', async () => {
    const hub = new EventHub(1);
    const sink = collector();
    const subscriber = hub.connect(sink.send);
    subscriber.subscribe({ topic: 'settings:changed' });
    subscriber.unsubscribe({ topic: 'settings:changed' });
    hub.emit('settings:changed', DEFAULT_SETTINGS);
    subscriber.subscribe({ topic: 'settings:changed' });
    subscriber.close();
    hub.emit('settings:changed', DEFAULT_SETTINGS);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sink.batches).toEqual([]);
  });

  it('refuses unknown topics and malformed payloads', () => {
    const hub = new EventHub();
    expect(() => hub.connect(() => {}).subscribe({ topic: 'jobs:nothing' })).toThrow(/no event named/);
    expect(() => hub.emit('settings:changed', { theme: 'x' } as never)).toThrow();
  });
});
