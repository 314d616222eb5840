import { randomBytes } from 'node:crypto';
import { mkdir, open, stat, statfs, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { WorkbenchError } from '../shared/errors.ts';
import { makeOwnFolder } from './data-dir.ts';

/**
 * Files dropped on the browser workbench: a browser gives the page their bytes but never their
 * path, so the page posts each file here (`POST /upload?batch=B&path=dir/name`, the raw bytes as
 * the body; `&folder=1` makes an empty folder) and then queues an ordinary upload of the staged
 * copies. The caller has already checked the host, the origin and the session cookie.
 */

const BATCH = /^[a-z0-9]{16}$/;

/** A fresh batch id (the page asks for one per drop with `POST /upload/batch`). */
export function newBatchId(): string {
  return randomBytes(8).toString('hex');
}

/** `a/b c/d.txt` as safe segments, or a reason it is not acceptable. */
export function stagedSegments(path: string): string[] | string {
  if (path.length === 0 || path.length > 4096) return 'give a relative path of 1 to 4096 characters';
  if (path.includes('\0')) return 'a path cannot contain NUL characters';
  if (path.includes('\\')) return 'use "/" between folders';
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'a relative path without empty, "." or ".." parts';
  return segments;
}

/** Left free on the disk after a staged file, so a drop never fills it to the last byte. */
const KEEP_FREE_BYTES = 256 * 1024 * 1024;

export interface StagingOptions {
  stagingDir: string;
  /** What a staged file must leave free on its disk; KEEP_FREE_BYTES unless a test says otherwise. */
  keepFreeBytes?: number;
}

/** The space on `dir`'s disk a staged file may take, leaving `keepFree` bytes; Infinity if unknown. */
async function roomIn(dir: string, keepFree: number): Promise<{ room: number; free: number }> {
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs) return { room: Infinity, free: Infinity };
  const free = fs.bavail * fs.bsize;
  return { room: Math.max(0, free - keepFree), free };
}

function noRoomMessage(dir: string, size: string, free: number): string {
  const mb = (bytes: number) => `${Math.floor(bytes / 1e6)} MB`;
  return `Not enough free space to stage this file (${size}) in ${dir}: ${mb(free)} free. Free some space, or upload it from the Files view's own file list.`;
}

/** A body that grew past the room left for it while it was arriving (it declared no length, or lied). */
class NoRoomError extends Error {}

/** How long a refused upload's remaining body is read and dropped before the connection is cut. */
const LINGER_MS = 5_000;

/**
 * Writes the request body to a new file at `target`, counting bytes as they arrive: past `room`
 * it stops with NoRoomError, whatever the body declared, and removes what it wrote. The request
 * is left open (not destroyed) so the refusal can still be answered on it.
 */
async function stageBody(req: IncomingMessage, target: string, room: number): Promise<void> {
  // 'wx': a name posted twice in one batch is refused (EEXIST), never overwritten.
  const file = await open(target, 'wx', 0o600);
  let received = 0;
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > room) throw new NoRoomError();
      await file.write(chunk);
    }
    await file.close();
  } catch (err) {
    // A refused, cut-off or failed body (the page closed, the disk filled) leaves no partial copy.
    await file.close().catch(() => undefined);
    await unlink(target).catch(() => undefined);
    throw err;
  }
}

/**
 * Refuses a request whose body is still arriving. The answer goes out at once, but the response
 * is ended (and the connection closed) only once the rest of the body has been read and dropped,
 * or after LINGER_MS: closing with the body unread resets the connection, and the reset can reach
 * the client before the answer, which it then never sees.
 */
async function refuseMidBody(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...ANSWER_HEADERS, 'Content-Length': Buffer.byteLength(text), Connection: 'close' });
  res.write(text);
  await new Promise<void>((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve();
    const timer = setTimeout(resolve, LINGER_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    req.once('end', done).once('close', done).once('error', done);
    req.resume();
  });
  res.end();
}

const ANSWER_HEADERS = { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, ANSWER_HEADERS);
  res.end(JSON.stringify(body));
}

export async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, { stagingDir, keepFreeBytes = KEEP_FREE_BYTES }: StagingOptions): Promise<void> {
  if (req.method !== 'POST') return reply(res, 405, { error: 'Use POST.' });
  if (url.pathname === '/upload/batch') {
    const batch = newBatchId();
    try {
      // The staging folder is the app's own (in its data dir): a link there is refused by name.
      await makeOwnFolder(dirname(stagingDir), join(stagingDir, batch));
    } catch (err) {
      if (err instanceof WorkbenchError) return reply(res, 409, { error: err.message });
      throw err;
    }
    return reply(res, 200, { batch, dir: join(stagingDir, batch) });
  }
  const batch = url.searchParams.get('batch') ?? '';
  if (!BATCH.test(batch)) return reply(res, 400, { error: 'Start with POST /upload/batch and pass its batch id.' });
  const segments = stagedSegments(url.searchParams.get('path') ?? '');
  if (typeof segments === 'string') return reply(res, 400, { error: `Bad path: ${segments}.` });
  const batchDir = join(stagingDir, batch);
  const target = join(batchDir, ...segments);
  // The batch folder must exist already: a made-up batch id writes nothing.
  if (!(await stat(batchDir).catch(() => undefined))?.isDirectory()) {
    req.resume();
    return reply(res, 400, { error: 'Unknown batch; start with POST /upload/batch.' });
  }
  try {
    if (url.searchParams.get('folder') === '1') {
      await mkdir(target, { recursive: true });
      req.resume();
    } else {
      const { room, free } = await roomIn(batchDir, keepFreeBytes);
      const declared = req.headers['content-length'] === undefined ? 0 : Number(req.headers['content-length']);
      const length = Number.isSafeInteger(declared) ? declared : Number.MAX_SAFE_INTEGER;
      if (length > room) {
        return refuseMidBody(req, res, 507, { error: noRoomMessage(batchDir, `${Math.floor(length / 1e6)} MB`, free) });
      }
      await mkdir(dirname(target), { recursive: true });
      try {
        await stageBody(req, target, room);
      } catch (err) {
        if (!(err instanceof NoRoomError)) throw err;
        return refuseMidBody(req, res, 507, { error: noRoomMessage(batchDir, `more than ${Math.floor(room / 1e6)} MB`, free) });
      }
    }
    return reply(res, 200, { path: join(batchDir, segments[0]!) });
  } catch (err) {
    req.resume();
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return reply(res, 409, { error: `${segments.join('/')} was already sent in this drop.` });
    return reply(res, 500, { error: `Could not stage ${segments.join('/')}: ${(err as Error).message}` });
  }
}
