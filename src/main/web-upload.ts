import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, stat, statfs, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

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

/** Why a body of `length` bytes should not be staged in `dir` (too little space), or undefined. */
async function noRoomFor(dir: string, length: number): Promise<string | undefined> {
  const fs = await statfs(dir).catch(() => undefined);
  if (!fs) return undefined;
  const free = fs.bavail * fs.bsize;
  if (length + KEEP_FREE_BYTES <= free) return undefined;
  const mb = (bytes: number) => `${Math.floor(bytes / 1e6)} MB`;
  return `Not enough free space to stage this file (${mb(length)}) in ${dir}: ${mb(free)} free. Free some space, or upload it from the Files view's own file list.`;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(JSON.stringify(body));
}

export async function handleUpload(req: IncomingMessage, res: ServerResponse, url: URL, stagingDir: string): Promise<void> {
  if (req.method !== 'POST') return reply(res, 405, { error: 'Use POST.' });
  if (url.pathname === '/upload/batch') {
    const batch = newBatchId();
    await mkdir(join(stagingDir, batch), { recursive: true, mode: 0o700 });
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
      const length = Number(req.headers['content-length'] ?? 0);
      const full = await noRoomFor(batchDir, Number.isSafeInteger(length) ? length : Number.MAX_SAFE_INTEGER);
      if (full) {
        req.resume();
        return reply(res, 507, { error: full });
      }
      await mkdir(dirname(target), { recursive: true });
      // 'wx': a name posted twice in one batch is refused, never overwritten.
      const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
      await pipeline(req, out).catch(async (err: unknown) => {
        // A cut-off or failed body (the page closed, the disk filled) leaves no partial copy
        // behind; a name sent twice (EEXIST) never opened the file, which is the first one's.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await unlink(target).catch(() => undefined);
        throw err;
      });
    }
    return reply(res, 200, { path: join(batchDir, segments[0]!) });
  } catch (err) {
    req.resume();
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return reply(res, 409, { error: `${segments.join('/')} was already sent in this drop.` });
    return reply(res, 500, { error: `Could not stage ${segments.join('/')}: ${(err as Error).message}` });
  }
}
