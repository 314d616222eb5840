import { createServer, connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { coalesceWrites } from '../../../../../src/main/services/net/coalesce-writes.ts';

/** A stream that records how its bytes reach the "kernel": one entry per write or writev. */
function recorder(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      calls.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      calls.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, calls };
}

describe('coalesceWrites', () => {
  it('hands everything written in one tick to the stream at once, in order', async () => {
    const { stream, calls } = recorder();
    coalesceWrites(stream);
    stream.write('a');
    stream.write('b');
    stream.write('c');
    expect(calls).toEqual([]);
    await nextTurn();
    expect(calls).toEqual([['a', 'b', 'c']]);
  });

  it('never holds a write past its own tick: the next tick is a new batch', async () => {
    const { stream, calls } = recorder();
    coalesceWrites(stream);
    stream.write('first');
    await nextTurn();
    stream.write('second');
    stream.write('third');
    await nextTurn();
    expect(calls).toEqual([['first'], ['second', 'third']]);
  });

  it('a real socket delivers every byte, in order, with write callbacks called', async () => {
    const server = createServer();
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) =>
      server.on('connection', (peer: Socket) => {
        peer.on('data', (data: Buffer) => received.push(data));
        peer.on('end', resolve);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => void server.close());
    const { port } = server.address() as { port: number };
    const socket = coalesceWrites(connect(port, '127.0.0.1'));
    await new Promise((resolve) => socket.once('connect', resolve));
    const acknowledged: number[] = [];
    const parts = Array.from({ length: 200 }, (_, i) => Buffer.alloc(1000, i % 251));
    parts.forEach((part, i) => socket.write(part, () => acknowledged.push(i)));
    socket.end();
    await done;
    expect(Buffer.concat(received).equals(Buffer.concat(parts))).toBe(true);
    expect(acknowledged).toEqual(parts.map((_, i) => i));
  });
});
