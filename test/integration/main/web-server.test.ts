import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { MAX_SOCKET_BACKLOG_BYTES, startWebServer, type WebServer } from '../../../src/main/web-server.ts';
import { createWorkbench, type Workbench } from '../../../src/main/workbench.ts';
import { RemoteError } from '../../../src/shared/errors.ts';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../../src/shared/protocol.ts';
import { MAX_WRITE_CHARS } from '../../../src/shared/workspace.ts';
import { createClient } from '../../../src/shared/rpc-client.ts';
import { createSocketChannel, type SocketLike } from '../../../src/shared/ws-channel.ts';

let root: string;
let workbench: Workbench;
let server: WebServer;
const PAGE = '<!doctype html><title>workbench page</title><div id="root"></div>';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-web-'));
  const rendererDir = join(root, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), PAGE);
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("app")');
  await writeFile(join(root, 'secret.txt'), 'outside the renderer');
  workbench = await createWorkbench({ dataDir: join(root, 'data'), host: 'web', resourcesDir: resolve('resources') });
  server = await startWebServer({ workbench, rendererDir });
});
afterAll(async () => {
  await server.close();
  await workbench.close();
  await rm(root, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP GET, so the Host header and path are sent exactly as given. */
function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function sessionCookie(): Promise<string> {
  const reply = await get(`/?token=${server.token}`);
  expect(reply.status).toBe(303);
  const cookie = String(reply.headers['set-cookie']).split(';')[0]!;
  return cookie;
}

function openSocket(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ socket, status: res.statusCode }));
    socket.once('error', () => resolve({ socket, status: -1 }));
  });
}

describe('the browser workbench server', () => {
  it('listens on loopback only and prints a URL with the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(40);
  });

  it('gives nothing without the token, or with a wrong one', async () => {
    for (const path of ['/', '/index.html', '/assets/app.js', '/?token=wrong', `/?token=${server.token.slice(0, -1)}`]) {
      const reply = await get(path);
      expect(reply.status, path).toBe(403);
      expect(reply.body).not.toContain('workbench page');
      expect(reply.body).not.toContain('console.log');
    }
    const wrongCookie = await get('/', { Cookie: `workbench_${server.port}=${'x'.repeat(server.token.length)}` });
    expect(wrongCookie.status).toBe(403);
  });

  it('trades the URL token for an HttpOnly same-site cookie and serves the page with a CSP', async () => {
    const first = await get(`/?token=${server.token}`);
    expect(first.headers['location']).toBe('/');
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict; Path=\//);
    const page = await get('/', { Cookie: await sessionCookie() });
    expect(page.status).toBe(200);
    expect(page.body).toBe(PAGE);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain(`ws://127.0.0.1:${server.port}`);
    expect(page.headers['x-frame-options']).toBe('DENY');
    const asset = await get('/assets/app.js', { Cookie: await sessionCookie() });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('refuses a Host header that is not this server, even with the token (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`]) {
      const reply = await get(`/?token=${server.token}`, { Host: host });
      expect(reply.status, host).toBe(421);
    }
  });

  it('serves nothing outside the renderer folder', async () => {
    const cookie = await sessionCookie();
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00', '/assets']) {
      const reply = await get(path, { Cookie: cookie });
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('outside the renderer');
    }
  });

  it('opens the socket only with the token and our own origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/ws`;
    const origin = `http://127.0.0.1:${server.port}`;
    expect((await openSocket(base, { Origin: origin })).status).toBe(403);
    expect((await openSocket(`${base}?token=nope`, { Origin: origin })).status).toBe(403);
    expect((await openSocket(`${base}?token=${server.token}`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await openSocket(`${base}?token=${server.token}`, { Origin: origin, Host: 'evil.example' })).status).toBe(403);
    const withCookie = await openSocket(base, { Origin: origin, Cookie: await sessionCookie() });
    expect(withCookie.status).toBeUndefined();
    withCookie.socket.close();
  });

  it('carries the contract: calls, typed errors and batched events across clients', async () => {
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    const channelA = createSocketChannel(() => new WebSocket(url) as unknown as SocketLike);
    const channelB = createSocketChannel(() => new WebSocket(url) as unknown as SocketLike);
    const a = createClient(channelA);
    const b = createClient(channelB);
    try {
      const info = await a.call('app:info');
      expect(info).toMatchObject({ host: 'web', dataDir: join(root, 'data'), name: 'Analysis Workbench' });

      const error = await a.call('settings:set', { workerLifetimeHours: 48 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ code: 'BAD_INPUT', retryable: false });
      expect((error as Error).message).toMatch(/workerLifetimeHours/);

      const seen: string[] = [];
      const got = new Promise<void>((resolve) =>
        b.subscribe('settings:changed', (settings) => {
          seen.push(settings.theme);
          if (seen.length === 3) resolve();
        }),
      );
      await b.call('settings:get'); // the subscription is in place once a later call is answered
      for (const theme of ['dark', 'light', 'system'] as const) await a.call('settings:set', { theme });
      await got;
      expect(seen).toEqual(['dark', 'light', 'system']);
    } finally {
      channelA.close();
      channelB.close();
    }
  });

  it('closes a socket that sends malformed messages', async () => {
    const { socket } = await openSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('{"t":"call","id":"not a number"}');
    expect(await closed).toBe(1008);
  });
});

/** A TCP connection that has done the WebSocket handshake by hand, to send frames no client would. */
async function rawSocket(): Promise<{ socket: Socket; received: () => Buffer; ended: Promise<void> }> {
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => undefined);
  const ended = once(socket, 'close').then(() => undefined);
  socket.write(
    `GET /ws?token=${server.token} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await vi.waitFor(() => expect(Buffer.concat(chunks).toString('latin1')).toContain('\r\n\r\n'), { timeout: 5000, interval: 10 });
  expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
  return { socket, received: () => Buffer.concat(chunks), ended };
}

/** One WebSocket frame: `first` is FIN, RSV and opcode; a client masks its frames unless told not to. */
function frame(first: number, payload: Buffer, options: { masked?: boolean; declaredLength?: number } = {}): Buffer {
  const masked = options.masked ?? true;
  const length = options.declaredLength ?? payload.length;
  const header = length < 126 ? Buffer.from([first, length]) : Buffer.alloc(10);
  if (length >= 126) {
    header[0] = first;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (masked) header[1]! |= 0x80;
  if (!masked) return Buffer.concat([header, payload]);
  const mask = randomBytes(4);
  return Buffer.concat([header, mask, Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))]);
}

/** The status code of the close frame the server sent after the handshake. */
function closeCode(received: Buffer): number | undefined {
  const body = received.subarray(received.indexOf('\r\n\r\n') + 4);
  if (body.length < 4 || body[0] !== 0x88) return undefined;
  return body.readUInt16BE(2);
}

/** What nothing handled while `run` ran: in the host's own process each would end it. */
async function uncaughtDuring(run: () => Promise<void>): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const record = (err: unknown) => uncaught.push(err);
  process.prependListener('uncaughtException', record);
  try {
    await run();
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.removeListener('uncaughtException', record);
  }
  return uncaught;
}

async function socketClient() {
  const channel = createSocketChannel(() => new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`) as unknown as SocketLike);
  return { channel, client: createClient(channel) };
}

describe('hostile and oversized traffic', () => {
  const hostileFrames: [string, Buffer, number][] = [
    ['a frame over the size limit', frame(0x82, Buffer.alloc(0), { declaredLength: MAX_CLIENT_MESSAGE_BYTES + 1 }), 1009],
    ['invalid UTF-8 in a text frame', frame(0x81, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
    ['RSV1 set without compression', frame(0xc1, Buffer.from('{}')), 1002],
    ['an unmasked frame', frame(0x81, Buffer.from('{}'), { masked: false }), 1002],
    ['reserved opcode 3', frame(0x83, Buffer.from('{}')), 1002],
    ['close code 999', frame(0x88, Buffer.from([0x03, 0xe7])), 1002],
    ['a fragmented ping', frame(0x09, Buffer.from('ping')), 1002],
  ];

  it.each(hostileFrames)('closes only the socket that sent %s, and keeps serving', async (_name, bytes, code) => {
    const { socket, received, ended } = await rawSocket();
    const uncaught = await uncaughtDuring(async () => {
      socket.write(bytes);
      await ended;
    });
    expect(uncaught).toEqual([]);
    expect(closeCode(received())).toBe(code);
    const { channel, client } = await socketClient();
    try {
      expect(await client.call('app:info')).toMatchObject({ host: 'web' });
    } finally {
      channel.close();
    }
  });

  it('answers requests that are not HTTP with a 4xx, outlives sockets reset before their upgrade, and keeps serving', async () => {
    const malformed: [string, number][] = [
      ['NOT HTTP AT ALL\r\n\r\n', 400],
      ['GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n', 400],
      [`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n${`X-Big: ${'y'.repeat(100)}\r\n`.repeat(300)}\r\n`, 431],
    ];
    const uncaught = await uncaughtDuring(async () => {
      for (const [garbage, status] of malformed) {
        const socket = connect(server.port, '127.0.0.1');
        let reply = '';
        socket.on('data', (chunk: Buffer) => (reply += chunk.toString('latin1')));
        socket.on('error', () => undefined);
        socket.write(garbage);
        await once(socket, 'close');
        expect(reply.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      }
      // A socket reset right after asking for an upgrade it will be refused.
      for (let i = 0; i < 20; i++) {
        const socket = connect(server.port, '127.0.0.1');
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        socket.write(`GET /ws?token=wrong HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
        socket.resetAndDestroy();
      }
    });
    expect(uncaught).toEqual([]);
    expect((await get('/')).status).toBe(403);
  });

  it('saves from the Editor any text the schema accepts, even where JSON makes it six times bigger', async () => {
    const folder = join(root, 'big-workspace');
    await mkdir(folder, { recursive: true });
    const { channel, client } = await socketClient();
    try {
      const workspace = await client.call('workspace:open', { path: folder });
      // A 15,000,000-character TSV: every tab costs two bytes in JSON, so this is a 20 MB message.
      const tsv = '1\t2\n'.repeat(3_750_000);
      await client.call('workspace:write', { root: workspace.root, path: 'table.tsv', text: tsv });
      expect(await readFile(join(folder, 'table.tsv'), 'utf8')).toBe(tsv);
      // The worst case: every character a control character, six bytes each.
      const controls = '\u0001'.repeat(MAX_WRITE_CHARS);
      await client.call('workspace:write', { root: workspace.root, path: 'controls.txt', text: controls });
      expect((await readFile(join(folder, 'controls.txt'), 'utf8')) === controls).toBe(true);
    } finally {
      channel.close();
    }
  }, 60_000);

  it('refuses in the page to send more than the server takes, saying how much, and the socket goes on', async () => {
    const folder = join(root, 'too-big-workspace');
    await mkdir(folder, { recursive: true });
    const { channel, client } = await socketClient();
    try {
      const workspace = await client.call('workspace:open', { path: folder });
      const error = await client
        .call('workspace:write', { root: workspace.root, path: 'huge.txt', text: '\u0001'.repeat(MAX_WRITE_CHARS + 200_000) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteError);
      expect(error).toMatchObject({ code: 'BAD_INPUT', retryable: false });
      expect((error as Error).message).toBe(
        `This request (workspace:write) is too large to send from the browser workbench (92 MiB; the limit is ${Math.ceil(MAX_CLIENT_MESSAGE_BYTES / 2 ** 20)} MiB). Send less at once, or use the desktop app.`,
      );
      expect(channel.state).toBe('open');
      expect(await client.call('app:info')).toMatchObject({ host: 'web' });
    } finally {
      channel.close();
    }
  }, 60_000);

  it('closes a socket whose page stopped reading instead of holding its events, tells the page why, and it reconnects', async () => {
    const runId = 'run-slow-reader';
    const url = `ws://127.0.0.1:${server.port}/ws?token=${server.token}`;
    const fast = await socketClient();
    let slowSocket: WebSocket | undefined;
    const slowChannel = createSocketChannel(() => (slowSocket = new WebSocket(url)) as unknown as SocketLike);
    const slow = createClient(slowChannel);
    const reasons: (string | undefined)[] = [];
    slowChannel.onState((state) => state === 'reconnecting' && reasons.push(slowChannel.dropReason));
    try {
      const fastOffsets: number[] = [];
      const slowOffsets: number[] = [];
      fast.client.subscribe('jobs:log', (chunk) => fastOffsets.push(chunk.offset), runId);
      slow.subscribe('jobs:log', (chunk) => slowOffsets.push(chunk.offset), runId);
      // Both subscriptions are in place once a call made after them is answered.
      await fast.client.call('app:info');
      await slow.call('app:info');

      const first = slowSocket!;
      let slowBytes = 0;
      first.on('message', (data: Buffer) => (slowBytes += data.length));
      const slowClosed = new Promise<{ code: number; reason: string }>((resolve) => first.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      // The page stops reading: what the host sends it waits in the host's buffers.
      (first as unknown as { _socket: Socket })._socket.pause();

      const text = 'log line\n'.repeat(116_509); // about 1 MiB
      const chunks = 96;
      const emit = (i: number) => workbench.bus.emit('jobs:log', { runId, offset: i * text.length, nextOffset: (i + 1) * text.length, text, done: false }, runId);
      for (let i = 0; i < chunks; i++) {
        emit(i);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await vi.waitFor(() => expect(fastOffsets).toHaveLength(chunks), { timeout: 20_000, interval: 20 });
      expect(fastOffsets).toEqual(Array.from({ length: chunks }, (_, i) => i * text.length));

      (first as unknown as { _socket: Socket })._socket.resume();
      const closed = await Promise.race([slowClosed, new Promise<undefined>((resolve) => setTimeout(resolve, 10_000))]);
      const reason = 'The page fell behind the workbench; reconnecting to catch up.';
      expect(closed).toEqual({ code: 1013, reason });
      // What it got is what the host had buffered for it: about the bound, not the whole log.
      expect(slowBytes).toBeLessThan(MAX_SOCKET_BACKLOG_BYTES + 24 * 1024 * 1024);
      expect(chunks * text.length).toBeGreaterThan(2 * (MAX_SOCKET_BACKLOG_BYTES + 24 * 1024 * 1024));

      // The page said why, reconnected by itself and subscribed again: the next chunk reaches it.
      expect(reasons).toEqual([reason]);
      await vi.waitFor(() => expect(slowChannel.state).toBe('open'), { timeout: 10_000, interval: 20 });
      expect(slowChannel.dropReason).toBeUndefined();
      await slow.call('app:info');
      emit(chunks);
      await vi.waitFor(() => expect(slowOffsets.at(-1)).toBe(chunks * text.length), { timeout: 10_000, interval: 20 });
    } finally {
      slowChannel.close();
      fast.channel.close();
    }
  }, 60_000);
});
