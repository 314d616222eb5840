import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startWebServer, type WebServer } from '../../../src/main/web-server.ts';
import { createWorkbench, type Workbench } from '../../../src/main/workbench.ts';
import { RemoteError } from '../../../src/shared/errors.ts';
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
