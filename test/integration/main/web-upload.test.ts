import { mkdir, mkdtemp, readdir, readFile, rm, stat, statfs, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startWebServer, type WebServer } from '../../../src/main/web-server.ts';
import { createWorkbench, type Workbench } from '../../../src/main/workbench.ts';

/**
 * The browser workbench's staging endpoint for dropped files, over real HTTP: only the page
 * itself (its Origin and session cookie) may post, only into a batch it was given, only below it.
 */

let root: string;
let rendererDir: string;
let workbench: Workbench;
let server: WebServer;
let cookie: string;
let origin: string;

interface Reply {
  status: number;
  body: Record<string, string>;
}

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<Reply & { raw: string; setCookie?: string }> {
  return new Promise((done, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers: { Host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (raw += chunk));
      res.on('end', () => {
        let parsed: Record<string, string> = {};
        try {
          parsed = JSON.parse(raw) as Record<string, string>;
        } catch {
          /* a plain-text refusal */
        }
        done({ status: res.statusCode ?? 0, body: parsed, raw, setCookie: res.headers['set-cookie']?.[0] });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const post = (path: string, body?: Buffer, headers: Record<string, string> = { Cookie: cookie, Origin: origin }) => send('POST', path, headers, body);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-web-upload-'));
  rendererDir = join(root, 'renderer');
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>page</title>');
  workbench = await createWorkbench({ dataDir: join(root, 'data'), host: 'web', resourcesDir: resolve('resources') });
  server = await startWebServer({ workbench, rendererDir });
  origin = `http://127.0.0.1:${server.port}`;
  const login = await send('GET', `/?token=${server.token}`, {});
  cookie = login.setCookie!.split(';')[0]!;
});
afterAll(async () => {
  await server.close();
  await workbench.close();
  await rm(root, { recursive: true, force: true });
});

describe('staging dropped files', () => {
  it('refuses posts without the session cookie or from another origin', async () => {
    expect((await post('/upload/batch', undefined, { Origin: origin })).status).toBe(403);
    expect((await post('/upload/batch', undefined, { Cookie: cookie })).status).toBe(403);
    expect((await post('/upload/batch', undefined, { Cookie: cookie, Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/upload/batch', undefined, { Cookie: 'workbench_1=wrong', Origin: origin })).status).toBe(403);
    expect(await readdir(workbench.transfers.stagingDir).catch(() => [])).toEqual([]);
  });

  it('stages files and folders of a drop below its batch, keeping their layout', async () => {
    const batch = await post('/upload/batch');
    expect(batch.status).toBe(200);
    expect(batch.body['dir']).toBe(join(workbench.transfers.stagingDir, batch.body['batch']!));
    const q = (path: string, extra = '') => `/upload?batch=${batch.body['batch']}&path=${encodeURIComponent(path)}${extra}`;

    const file = await post(q(`it's a "file".txt`), Buffer.from('one'));
    expect(file).toMatchObject({ status: 200, body: { path: join(batch.body['dir']!, `it's a "file".txt`) } });
    const nested = await post(q('folder one/sub/-dash.bin'), Buffer.from([0, 1, 2]));
    expect(nested.body['path']).toBe(join(batch.body['dir']!, 'folder one'));
    expect((await post(q('folder one/empty'), undefined)).status).toBe(200);
    expect((await post(q('folder one/empty', '&folder=1'))).status).toBe(409);
    expect((await post(q('folder one/really empty', '&folder=1'))).status).toBe(200);

    expect(await readFile(join(batch.body['dir']!, `it's a "file".txt`), 'utf8')).toBe('one');
    expect([...(await readFile(join(batch.body['dir']!, 'folder one', 'sub', '-dash.bin')))]).toEqual([0, 1, 2]);
    expect((await readdir(join(batch.body['dir']!, 'folder one'))).sort()).toEqual(['empty', 'really empty', 'sub']);
    // The same name twice in one drop is refused, not overwritten.
    expect((await post(q(`it's a "file".txt`), Buffer.from('two'))).status).toBe(409);
    expect(await readFile(join(batch.body['dir']!, `it's a "file".txt`), 'utf8')).toBe('one');
  });

  it('refuses a file larger than the free space, before writing any of it', async () => {
    const { body } = await post('/upload/batch');
    const reply = await new Promise<{ status: number; error: string }>((done, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, method: 'POST', path: `/upload?batch=${body['batch']}&path=huge.bin`, headers: { Host: `127.0.0.1:${server.port}`, Cookie: cookie, Origin: origin, 'Content-Length': String(10 ** 15) } },
        (res) => {
          let raw = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (raw += chunk));
          res.on('end', () => {
            done({ status: res.statusCode ?? 0, error: (JSON.parse(raw) as { error: string }).error });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1024));
    });
    expect(reply.status).toBe(507);
    expect(reply.error).toMatch(/^Not enough free space to stage this file \(1000000000 MB\) in .+: \d+ MB free\. Free some space/);
    expect(await readdir(join(workbench.transfers.stagingDir, body['batch']!))).toEqual([]);
  });

  it('counts a body sent without a length as it arrives and refuses it once past the free space, leaving nothing', async () => {
    // A server whose staging disk has 8 MiB to spare: all of today's free space but that is kept free.
    const spare = 8 * 1024 * 1024;
    const { bavail, bsize } = await statfs(workbench.transfers.stagingDir);
    const tight = await startWebServer({ workbench, rendererDir, stagingKeepFreeBytes: bavail * bsize - spare });
    const host = `127.0.0.1:${tight.port}`;
    try {
      const login = await new Promise<string>((done) => request({ host: '127.0.0.1', port: tight.port, path: `/?token=${tight.token}`, headers: { Host: host } }, (res) => done(res.headers['set-cookie']![0]!.split(';')[0]!)).end());
      const headers = { Host: host, Cookie: login, Origin: `http://${host}` };
      const batch = await new Promise<string>((done) =>
        request({ host: '127.0.0.1', port: tight.port, method: 'POST', path: '/upload/batch', headers }, (res) => {
          let raw = '';
          res.on('data', (chunk: Buffer) => (raw += chunk.toString()));
          res.on('end', () => done((JSON.parse(raw) as { batch: string }).batch));
        }).end(),
      );
      // No Content-Length: the body goes chunked, and only counting it can tell how big it gets.
      const total = 64 * 1024 * 1024;
      let sent = 0;
      const reply = await new Promise<{ status: number; error: string }>((done, reject) => {
        const req = request({ host: '127.0.0.1', port: tight.port, method: 'POST', path: `/upload?batch=${batch}&path=endless.bin`, headers }, (res) => {
          let raw = '';
          res.on('data', (chunk: Buffer) => (raw += chunk.toString()));
          res.on('end', () => done({ status: res.statusCode ?? 0, error: (JSON.parse(raw) as { error: string }).error }));
        });
        req.on('error', reject);
        expect(req.getHeader('content-length')).toBeUndefined();
        const chunk = Buffer.alloc(256 * 1024, 7);
        const more = () => {
          while (sent < total && !req.destroyed) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', more);
          }
          req.end();
        };
        more();
      });
      expect(reply.status).toBe(507);
      expect(reply.error).toMatch(/^Not enough free space to stage this file \(more than 8 MB\) in .+: \d+ MB free\. Free some space/);
      expect(sent).toBeLessThan(total);
      await vi.waitFor(async () => expect(await readdir(join(workbench.transfers.stagingDir, batch))).toEqual([]), { timeout: 10_000, interval: 20 });
    } finally {
      await tight.close();
    }
  });

  it('leaves no partial copy when the page stops sending halfway', async () => {
    const { body } = await post('/upload/batch');
    const staged = join(workbench.transfers.stagingDir, body['batch']!, 'cut.bin');
    const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: `/upload?batch=${body['batch']}&path=cut.bin`, headers: { Host: `127.0.0.1:${server.port}`, Cookie: cookie, Origin: origin, 'Content-Length': String(4 * 1024 * 1024) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(256 * 1024, 1));
    await vi.waitFor(async () => expect((await stat(staged)).size).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
    req.destroy();
    await vi.waitFor(async () => expect(await readdir(join(workbench.transfers.stagingDir, body['batch']!))).toEqual([]), { timeout: 10_000, interval: 20 });
  });

  it('refuses paths that climb out, absolute paths and made-up batches', async () => {
    const { body } = await post('/upload/batch');
    for (const path of ['../escape.txt', 'a/../../escape.txt', '/etc/passwd', 'a//b', '.', 'a\\b', '']) {
      const reply = await post(`/upload?batch=${body['batch']}&path=${encodeURIComponent(path)}`, Buffer.from('x'));
      expect(reply.status, path).toBe(400);
      expect(reply.body['error'], path).toMatch(/Bad path/);
    }
    const madeUp = await post(`/upload?batch=${'0'.repeat(16)}&path=x.txt`, Buffer.from('x'));
    expect(madeUp).toMatchObject({ status: 400, body: { error: expect.stringMatching(/Unknown batch/) } });
    expect((await post(`/upload?batch=../../x&path=x.txt`, Buffer.from('x'))).status).toBe(400);
    expect(await readdir(join(workbench.transfers.stagingDir, body['batch']!))).toEqual([]);
    await expect(readFile(join(root, 'data', 'escape.txt'))).rejects.toThrow();
  });

  it('refuses a drop when a link was planted as the staging folder, naming it, and stages nothing where it points', async () => {
    const staging = workbench.transfers.stagingDir;
    const outside = join(root, 'outside');
    await mkdir(outside);
    await rm(staging, { recursive: true, force: true });
    await symlink(outside, staging);
    try {
      const refused = await post('/upload/batch');
      expect(refused.status).toBe(409);
      expect(refused.body['error']).toMatch(new RegExp(`^${staging.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a link \\(to .*outside\\), and the workbench does not follow links inside its data folder, so nothing was written`));
      expect(await readdir(outside)).toEqual([]);
    } finally {
      await rm(staging);
    }
  });
});
