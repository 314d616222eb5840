import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, relative, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { ClientMessage, MAX_CLIENT_MESSAGE_BYTES, type ServerMessage } from '../shared/protocol.ts';
import { contentSecurityPolicy } from './csp.ts';
import { handleUpload } from './web-upload.ts';
import type { Workbench } from './workbench.ts';

export interface WebServerOptions {
  workbench: Workbench;
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Fixed only by tests; otherwise 32 random bytes. */
  token?: string;
  /** What a dropped file must leave free on the staging disk; only tests change it. */
  stagingKeepFreeBytes?: number;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Event batches wait in a socket's send buffer while its page reads them; past this much the
 * page is not keeping up, and the socket is closed rather than the host holding the rest. The
 * page reconnects and reads again what it missed.
 */
export const MAX_SOCKET_BACKLOG_BYTES = 16 * 1024 * 1024;
/** A socket closed for falling behind is cut after this if its page does not answer the close. */
const SLOW_CLOSE_TIMEOUT_MS = 5000;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/**
 * The browser workbench: the built renderer and the contract over one WebSocket, on
 * 127.0.0.1 only. Whoever lacks the token gets nothing: the page, its assets and the
 * socket all require it (in the URL once, then as an HttpOnly same-site cookie). The Host
 * header must name this server (against DNS rebinding) and a browser's Origin must be ours
 * (against other local pages reaching the socket).
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = resolve(options.rendererDir);
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  let port = 0;
  const cookieName = () => `workbench_${port}`;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  function tokenMatches(candidate: string | null | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  function cookieToken(req: IncomingMessage): string | undefined {
    const header = req.headers.cookie ?? '';
    for (const part of header.split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === cookieName()) return rest.join('=');
    }
    return undefined;
  }

  function refuse(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${text}\n`);
  }

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 421, 'Wrong host.');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname === '/upload' || url.pathname === '/upload/batch') {
      // Files dropped on the page: only from our own page (its Origin) with the session cookie.
      const origin = req.headers.origin;
      if (origin === undefined || !allowedOrigins().has(origin) || !tokenMatches(cookieToken(req))) {
        req.resume();
        return refuse(res, 403, 'Uploads are accepted only from the workbench page itself.');
      }
      return handleUpload(req, res, url, { stagingDir: options.workbench.transfers.stagingDir, keepFreeBytes: options.stagingKeepFreeBytes });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed.');
    const queryToken = url.searchParams.get('token');
    if (tokenMatches(queryToken)) {
      // Trade the URL token for a cookie, and drop it from the address bar and history.
      url.searchParams.delete('token');
      res.writeHead(303, {
        Location: url.pathname + url.search,
        'Set-Cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!tokenMatches(cookieToken(req))) {
      return refuse(res, 403, 'Open the workbench with the URL it printed when it started (it carries the access token).');
    }
    const file = await resolveAsset(rendererDir, url.pathname);
    if (!file) return refuse(res, 404, 'Not found.');
    const headers: Record<string, string> = {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'private, max-age=3600',
    };
    if (file.endsWith('.html')) {
      headers['Content-Security-Policy'] = contentSecurityPolicy({ connect: [...allowedOrigins()].map((o) => o.replace('http:', 'ws:')) });
      headers['X-Frame-Options'] = 'DENY';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The HTTP server stops watching a socket it hands over for an upgrade: a client that
    // resets it now must not take the host down.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://invalid');
    const origin = req.headers.origin;
    const ok =
      url.pathname === '/ws' &&
      allowedHosts().has(req.headers.host ?? '') &&
      (origin === undefined || allowedOrigins().has(origin)) &&
      (tokenMatches(url.searchParams.get('token')) || tokenMatches(cookieToken(req)));
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws));
  }

  function serveSocket(ws: WebSocket): void {
    sockets.add(ws);
    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const subscriber = options.workbench.hub.connect((batch) => {
      if (ws.bufferedAmount <= MAX_SOCKET_BACKLOG_BYTES) return send({ t: 'events', batch });
      subscriber.close();
      ws.close(1013, 'The page fell behind the workbench; reconnecting to catch up.');
      // Until the page reads its backlog it cannot answer the close; its buffers go with the socket.
      setTimeout(() => ws.terminate(), SLOW_CLOSE_TIMEOUT_MS).unref();
    });
    // A frame that breaks the protocol (too big, bad UTF-8, unmasked, reserved bits or opcodes,
    // a bad close code): ws has already closed this socket with the matching code.
    ws.on('error', (err) => {
      console.warn(`workbench web: closed a WebSocket that broke the protocol (${err.message})`);
    });
    ws.on('message', (data, isBinary) => {
      let message: ClientMessage;
      try {
        if (isBinary) throw new Error('binary frame');
        message = ClientMessage.parse(JSON.parse(data.toString()));
      } catch {
        ws.close(1008, 'Malformed message');
        return;
      }
      if (message.t === 'call') {
        void options.workbench.dispatch(message.name, message.input).then((result) => send({ t: 'result', id: message.id, result }));
      } else if (message.t === 'sub') {
        try {
          subscriber.subscribe(message.sub);
        } catch {
          ws.close(1008, 'Unknown event topic');
        }
      } else {
        subscriber.unsubscribe(message.sub);
      }
    });
    ws.on('close', () => {
      subscriber.close();
      sockets.delete(ws);
    });
  }

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch(() => {
      if (!res.headersSent) refuse(res, 500, 'Internal error.');
      else res.destroy();
    });
  });
  server.on('upgrade', handleUpgrade);
  // A request that is not HTTP, or that the client cut off: answer it if the socket still can.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A request path as a file inside the renderer folder, or undefined; `/` is index.html. */
async function resolveAsset(root: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const wanted = resolve(root, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  const inside = relative(root, wanted);
  if (inside.startsWith(`..${sep}`) || inside === '..' || resolve(root, inside) !== wanted) return undefined;
  try {
    const info = await stat(wanted);
    return info.isFile() ? join(root, inside) : undefined;
  } catch {
    return undefined;
  }
}
