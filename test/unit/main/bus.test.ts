import { describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../src/main/bus.ts';
import { DEFAULT_SETTINGS } from '../../../src/shared/model.ts';
import type { EventEnvelope } from '../../../src/shared/protocol.ts';

const chunk = (runId: string, text: string) => ({ runId, offset: 0, nextOffset: text.length, text, done: false });

describe('EventBus', () => {
  it('calls a topic listener at once with the typed payload and its key, in emit order', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('jobs:log', (payload, key) => seen.push(`${key}:${payload.text}`));
    bus.emit('jobs:log', chunk('run-1', 'a'), 'run-1');
    bus.emit('jobs:log', chunk('run-2', 'b'), 'run-2');
    expect(seen).toEqual(['run-1:a', 'run-2:b']);
  });

  it('gives a keyed listener only its key, and stops calling after unsubscribe', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const stop = bus.on('jobs:log', (payload) => seen.push(payload.text), 'run-2');
    bus.emit('jobs:log', chunk('run-1', 'a'), 'run-1');
    bus.emit('jobs:log', chunk('run-2', 'b'), 'run-2');
    stop();
    bus.emit('jobs:log', chunk('run-2', 'c'), 'run-2');
    expect(seen).toEqual(['b']);
  });

  it('hands every event to onEvery as an envelope (the transports hub), after its topic listeners', () => {
    const bus = new EventBus();
    const order: string[] = [];
    const envelopes: EventEnvelope[] = [];
    bus.on('settings:changed', () => order.push('listener'));
    bus.onEvery((event) => (order.push('every'), envelopes.push(event)));
    bus.emit('settings:changed', DEFAULT_SETTINGS);
    bus.emit('jobs:log', chunk('run-1', 'a'), 'run-1');
    expect(order).toEqual(['listener', 'every', 'every']);
    expect(envelopes).toEqual([
      { topic: 'settings:changed', payload: DEFAULT_SETTINGS },
      { topic: 'jobs:log', key: 'run-1', payload: chunk('run-1', 'a') },
    ]);
  });

  it('refuses a malformed payload before anyone sees it', () => {
    const bus = new EventBus();
    const listener = vi.fn();
    bus.on('settings:changed', listener);
    bus.onEvery(listener);
    expect(() => bus.emit('settings:changed', { theme: 'x' } as never)).toThrow();
    expect(listener).not.toHaveBeenCalled();
  });

  it('reports a failing listener without failing the emitter or the other listeners', () => {
    const failures: string[] = [];
    const bus = new EventBus((err, topic) => failures.push(`${topic}: ${(err as Error).message}`));
    const after = vi.fn();
    bus.on('settings:changed', () => {
      throw new Error('broken listener');
    });
    bus.on('settings:changed', after);
    expect(() => bus.emit('settings:changed', DEFAULT_SETTINGS)).not.toThrow();
    expect(after).toHaveBeenCalledOnce();
    expect(failures).toEqual(['settings:changed: broken listener']);
  });
});
