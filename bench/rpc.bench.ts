import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { startWebServer } from '../src/main/web-server.ts';
import { createWorkbench } from '../src/main/workbench.ts';
import { createClient } from '../src/shared/rpc-client.ts';
import { createSocketChannel, type SocketLike } from '../src/shared/ws-channel.ts';
import { medianSeconds, type Benchmark } from './harness.ts';

const CALLS = 2000;

/**
 * The cost of the contract layer: 2000 sequential `settings:get` round trips through the
 * browser host (validation both ways, dispatch, JSON) against a bare `ws` echo server
 * answering the same-sized message, both on loopback.
 */
const benchmark: Benchmark = {
  name: 'rpc',
  async run() {
    const root = await mkdtemp(join(tmpdir(), 'workbench-bench-'));
    const workbench = await createWorkbench({ dataDir: root, host: 'web', resourcesDir: resolve('resources') });
    const server = await startWebServer({ workbench, rendererDir: root });
    const channel = createSocketChannel(() => new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`) as unknown as SocketLike);
    const client = createClient(channel);
    const answer = JSON.stringify({ t: 'result', id: 1, result: { ok: true, value: await client.call('settings:get') } });

    const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    echo.on('connection', (ws) => ws.on('message', () => ws.send(answer)));
    await new Promise((resolve) => echo.once('listening', resolve));
    const raw = new WebSocket(`ws://127.0.0.1:${(echo.address() as { port: number }).port}`);
    await new Promise((resolve) => raw.once('open', resolve));
    const rawCall = () =>
      new Promise<void>((resolve) => {
        raw.once('message', () => resolve());
        raw.send('{"t":"call","id":1,"name":"settings:get"}');
      });

    try {
      const ours = await medianSeconds(5, async () => {
        for (let i = 0; i < CALLS; i++) await client.call('settings:get');
      });
      const anchor = await medianSeconds(5, async () => {
        for (let i = 0; i < CALLS; i++) await rawCall();
      });
      return [{ name: 'rpc-roundtrip-2000', ours, anchor, note: `${Math.round(CALLS / ours)} calls/s vs ${Math.round(CALLS / anchor)} bare echoes/s` }];
    } finally {
      raw.close();
      echo.close();
      channel.close();
      await server.close();
      await rm(root, { recursive: true, force: true });
    }
  },
};

export default benchmark;
