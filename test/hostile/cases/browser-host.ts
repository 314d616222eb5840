import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../../src/shared/protocol.ts';
import { MAX_SOCKET_BACKLOG_BYTES } from '../../../src/main/web-server.ts';
import { accepted, brief, crashed, refused, type HostileCase, type Outcome } from '../harness.ts';
import type { BrowserHost } from '../browser-host.ts';
import { httpRequest, type Answer } from '../http.ts';
import { closePayload, frame, openRaw, text } from '../raw-socket.ts';
import { listTree } from '../targets.ts';
import { childrenOf, residentBytes } from '../processes.ts';
import { writeRawTarGz } from '../../fixtures/hostile-tar.ts';

// The browser host: its WebSocket (raw frames and messages), its HTTP side (token, Host,
// Origin, assets) and its upload endpoint. Each case is judged by what came back; the runner
// then checks the host still answers.

const category = 'browser-host' as const;

const PROTOCOL_ERROR = [1002];
const BAD_DATA = [1007];
const TOO_BIG = [1009];
/** The largest message the host takes. */
const LIMIT = BigInt(MAX_CLIENT_MESSAGE_BYTES);
const POLICY = [1008];

/** A case judged by `check` against the shared browser host. */
function sharedHostCase(id: string, description: string, check: (host: BrowserHost) => Promise<Outcome>): HostileCase {
  return { id, category, description, run: async (targets) => check(await targets.host()) };
}

function wsFrames(id: string, description: string, frames: Buffer[], expected: number[]): HostileCase {
  return sharedHostCase(id, description, async (host) => {
    const raw = await openRaw(host.port, { path: `/ws?token=${host.token}`, headers: { Host: host.hostHeader, Origin: host.origin } });
    if ('refusedWith' in raw) return crashed(`the socket could not be opened: ${raw.refusedWith}`);
    for (const f of frames) raw.send(f);
    const end = await raw.ending(3000);
    raw.destroy();
    if (end.kind === 'close' && end.code !== undefined && expected.includes(end.code)) return refused(`closed ${end.code}`);
    if (end.kind === 'close') return accepted(`the socket closed with ${end.code ?? 'no code'} (${end.reason}), not ${expected.join('/')}`);
    if (end.kind === 'ended') return accepted(`the connection was dropped with no close code (wanted ${expected.join('/')})`);
    return accepted(`the frame was taken: no close within 3 s (wanted ${expected.join('/')})`);
  });
}

const invalidUtf8: Record<string, number[]> = {
  'lone-ff': [0xff],
  'bad-continuation': [0xc3, 0x28],
  surrogate: [0xed, 0xa0, 0x80],
  overlong: [0xc0, 0xaf],
  truncated: [0x22, 0xe2, 0x82],
  'beyond-u10ffff': [0xf4, 0x90, 0x80, 0x80],
};

const protocolFrames: HostileCase[] = [
  wsFrames('frames/oversize', 'a text frame claiming one byte more than the limit', [text('{', { declaredLength: LIMIT + 1n })], TOO_BIG),
  wsFrames('frames/oversize-2^63', 'a frame claiming 2^63-1 bytes', [text('{', { declaredLength: 2n ** 63n - 1n })], [...TOO_BIG, ...PROTOCOL_ERROR]),
  wsFrames('frames/oversize-binary-1GiB', 'a binary frame claiming 1 GiB', [frame({ opcode: 2, payload: Buffer.from('x'), declaredLength: 1024n ** 3n })], TOO_BIG),
  ...Object.entries(invalidUtf8).map(([name, bytes]) => wsFrames(`frames/invalid-utf8-${name}`, 'invalid UTF-8 in a text frame', [text(Buffer.from(bytes))], BAD_DATA)),
  ...[0x4, 0x2, 0x1, 0x7].map((rsv) => wsFrames(`frames/rsv-${rsv.toString(2).padStart(3, '0')}`, 'reserved bits set, no extension agreed', [text('{}', { rsv })], PROTOCOL_ERROR)),
  wsFrames('frames/unmasked-text', 'an unmasked frame from a client', [text('{}', { masked: false })], PROTOCOL_ERROR),
  wsFrames('frames/unmasked-ping', 'an unmasked ping', [frame({ opcode: 9, masked: false })], PROTOCOL_ERROR),
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) => wsFrames(`frames/opcode-${opcode}`, 'a reserved opcode', [frame({ opcode, payload: Buffer.from('x') })], PROTOCOL_ERROR)),
  ...[0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535].map((code) =>
    wsFrames(`frames/close-code-${code}`, 'a close frame with a code no one may send', [frame({ opcode: 8, payload: closePayload(code) })], PROTOCOL_ERROR),
  ),
  wsFrames('frames/close-1-byte', 'a close frame with a 1-byte body', [frame({ opcode: 8, payload: Buffer.from([3]) })], PROTOCOL_ERROR),
  wsFrames('frames/close-bad-utf8-reason', 'a close reason that is not UTF-8', [frame({ opcode: 8, payload: Buffer.concat([closePayload(1000), Buffer.from([0xff, 0xfe])]) })], [...BAD_DATA, ...PROTOCOL_ERROR]),
  wsFrames('frames/fragmented-ping', 'a ping split in fragments', [frame({ opcode: 9, fin: false, payload: Buffer.from('a') })], PROTOCOL_ERROR),
  wsFrames('frames/fragmented-close', 'a close split in fragments', [frame({ opcode: 8, fin: false, payload: closePayload(1000) })], PROTOCOL_ERROR),
  wsFrames('frames/ping-126-bytes', 'a ping over 125 bytes', [frame({ opcode: 9, payload: Buffer.alloc(126, 0x61) })], PROTOCOL_ERROR),
  wsFrames('frames/continuation-first', 'a continuation frame with nothing to continue', [frame({ opcode: 0, payload: Buffer.from('{}') })], PROTOCOL_ERROR),
  wsFrames('frames/text-inside-fragments', 'a new text frame while a fragmented one is open', [text('{"t":', { fin: false }), text('"call"}')], PROTOCOL_ERROR),
  wsFrames('frames/fragments-over-limit', 'two fragments adding up to one byte over the limit', [text('{', { fin: false }), frame({ opcode: 0, payload: Buffer.from(' '), declaredLength: LIMIT })], TOO_BIG),
];

const messages: [string, string, string | Buffer][] = [
  ['not-json', 'a text frame that is not JSON', '{"t":"call",'],
  ['json-null', 'JSON null', 'null'],
  ['json-array', 'a JSON array', '[]'],
  ['json-string', 'a JSON string', '"call"'],
  ['json-number', 'a JSON number', '1e999'],
  ['no-type', 'an object without t', '{"id":1,"name":"app:info"}'],
  ['unknown-type', 'an unknown message type', '{"t":"exec","cmd":"id"}'],
  ['type-proto', 't: __proto__', '{"t":"__proto__"}'],
  ['call-without-id', 'a call without id', '{"t":"call","name":"app:info"}'],
  ['call-negative-id', 'a negative id', '{"t":"call","id":-1,"name":"app:info"}'],
  ['call-fraction-id', 'a fractional id', '{"t":"call","id":1.5,"name":"app:info"}'],
  ['call-huge-id', 'an id beyond 2^53', '{"t":"call","id":1e300,"name":"app:info"}'],
  ['call-string-id', 'an id as a string', '{"t":"call","id":"1","name":"app:info"}'],
  ['call-name-number', 'a call name that is a number', '{"t":"call","id":1,"name":7}'],
  ['call-name-65', 'a call name over 64 characters', `{"t":"call","id":1,"name":"${'a'.repeat(65)}"}`],
  ['call-name-1MiB', 'a 1 MiB call name', `{"t":"call","id":1,"name":"${'a'.repeat(1024 * 1024)}"}`],
  ['sub-unknown-topic', 'a subscription to a topic that does not exist', '{"t":"sub","sub":{"topic":"secrets:all"}}'],
  ['sub-proto-topic', 'a subscription to __proto__', '{"t":"sub","sub":{"topic":"__proto__"}}'],
  ['sub-long-topic', 'a topic over 64 characters', `{"t":"sub","sub":{"topic":"${'t'.repeat(65)}"}}`],
  ['sub-long-key', 'a key over 256 characters', `{"t":"sub","sub":{"topic":"jobs:log","key":"${'k'.repeat(257)}"}}`],
  ['sub-no-sub', 'a subscription without sub', '{"t":"sub"}'],
  ['unsub-number', 'an unsubscription of a number', '{"t":"unsub","sub":5}'],
];

const messageCases: HostileCase[] = [
  ...messages.map(([id, description, payload]) => wsFrames(`messages/${id}`, description, [text(payload)], POLICY)),
  wsFrames('messages/binary-frame', 'a binary frame', [frame({ opcode: 2, payload: Buffer.from('{"t":"call","id":1,"name":"app:info"}') })], POLICY),
];

/** The answer to one request, judged by `judge`; a page that leaks /etc/passwd is accepted wrongly. */
function httpCase(id: string, description: string, send: (host: BrowserHost) => Parameters<typeof httpRequest>[1], judge: (answer: Answer, host: BrowserHost) => Outcome): HostileCase {
  return sharedHostCase(id, description, async (host) => {
    const answer = await httpRequest(host.port, send(host));
    if (/root:.*:0:0:/.test(answer.body)) return accepted(`served /etc/passwd (HTTP ${answer.status})`);
    if (answer.body.includes(host.token) || JSON.stringify(answer.headers).includes(host.token)) return accepted(`the answer (HTTP ${answer.status}) carries the access token`);
    return judge(answer, host);
  });
}

const statusIs =
  (...wanted: number[]) =>
  (answer: Answer): Outcome =>
    wanted.includes(answer.status) && answer.body.trim().length > 0 ? refused(`HTTP ${answer.status}`) : accepted(`HTTP ${answer.status} (wanted ${wanted.join('/')} with a message): ${brief(answer.body, 80)}`);

const tokens: [string, (host: BrowserHost) => string][] = [
  ['none', () => ''],
  ['empty', () => '?token='],
  ['wrong-same-length', (h) => `?token=${h.token.replace(/./g, 'A')}`],
  ['prefix', (h) => `?token=${h.token.slice(0, -1)}`],
  ['longer', (h) => `?token=${h.token}A`],
  ['twice-first-wrong', (h) => `?token=x&token=${h.token}`],
  ['case-changed', (h) => `?token=${h.token.toUpperCase() === h.token ? h.token.toLowerCase() : h.token.toUpperCase()}`],
];

const tokenCases: HostileCase[] = [
  ...tokens.map(([name, query]) =>
    httpCase(`token/page-${name}`, 'the page without the right token', (h) => ({ path: `/${query(h)}`, headers: { Host: h.hostHeader } }), (answer) =>
      answer.headers['set-cookie'] ? accepted(`a session cookie was given (HTTP ${answer.status})`) : statusIs(403)(answer),
    ),
  ),
  httpCase('token/asset-without-cookie', 'an asset without the session cookie', (h) => ({ path: '/index.html', headers: { Host: h.hostHeader } }), statusIs(403)),
  httpCase('token/wrong-cookie', 'a forged session cookie', (h) => ({ path: '/', headers: { Host: h.hostHeader, Cookie: `workbench_${h.port}=forged` } }), statusIs(403)),
  httpCase('token/other-port-cookie', "another port's cookie name with the right token", (h) => ({ path: '/', headers: { Host: h.hostHeader, Cookie: `workbench_${h.port + 1}=${h.token}` } }), statusIs(403)),
];

const hosts: [string, (h: BrowserHost) => string | undefined][] = [
  ['evil-name', () => 'evil.example'],
  ['rebinding', (h) => `attacker.example:${h.port}`],
  ['other-port', (h) => `127.0.0.1:${h.port + 1}`],
  ['no-port', () => '127.0.0.1'],
  ['suffix', (h) => `localhost.evil.example:${h.port}`],
  ['ipv6-any', (h) => `[::]:${h.port}`],
  ['zero-ip', (h) => `0.0.0.0:${h.port}`],
  ['missing', () => undefined],
];

const hostCases: HostileCase[] = hosts.map(([name, value]) =>
  httpCase(
    `host-header/${name}`,
    'a Host header that does not name this server (DNS rebinding)',
    (h) => {
      const header = value(h);
      const headers: Record<string, string> = header === undefined ? {} : { Host: header };
      return { path: `/?token=${h.token}`, headers };
    },
    // Node's HTTP parser itself answers a request without Host with a bare 400.
    (answer) => (answer.headers['set-cookie'] ? accepted(`a session cookie was given (HTTP ${answer.status})`) : name === 'missing' && answer.status === 400 ? refused('HTTP 400') : statusIs(421)(answer)),
  ),
);

function upgradeCase(id: string, description: string, headers: (h: BrowserHost) => Record<string, string>, path: (h: BrowserHost) => string = (h) => `/ws?token=${h.token}`): HostileCase {
  return sharedHostCase(id, description, async (host) => {
    const raw = await openRaw(host.port, { path: path(host), headers: headers(host) });
    if ('refusedWith' in raw) return /^HTTP\/1\.1 (403|421|400)/.test(raw.refusedWith) ? refused(raw.refusedWith) : accepted(`the upgrade was answered with "${raw.refusedWith}"`);
    raw.destroy();
    return accepted('the socket was opened');
  });
}

const origins = ['http://evil.example', 'null', 'http://127.0.0.1', 'https://127.0.0.1', 'http://localhost.evil.example', 'file://'];
const upgradeCases: HostileCase[] = [
  ...origins.map((origin, i) => upgradeCase(`ws-origin/${i}-${origin.replace(/[^a-z0-9]+/g, '-')}`, `a socket from another page (Origin ${origin})`, (h) => ({ Host: h.hostHeader, Origin: origin }))),
  upgradeCase('ws-origin/other-port', 'a socket from a page on another local port', (h) => ({ Host: h.hostHeader, Origin: `http://127.0.0.1:${h.port + 1}` })),
  upgradeCase('ws-token/none', 'a socket without the token', (h) => ({ Host: h.hostHeader, Origin: h.origin }), () => '/ws'),
  upgradeCase('ws-token/wrong', 'a socket with a wrong token', (h) => ({ Host: h.hostHeader, Origin: h.origin }), (h) => `/ws?token=${h.token.replace(/./g, 'B')}`),
  upgradeCase('ws-host/evil', 'a socket with a foreign Host', (h) => ({ Host: 'evil.example', Origin: h.origin })),
  upgradeCase('ws-path/other', 'an upgrade on another path', (h) => ({ Host: h.hostHeader, Origin: h.origin }), (h) => `/wsx?token=${h.token}`),
];

const traversals = [
  '/../../../../etc/passwd',
  '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2f..%2f..%2fetc%2fpasswd',
  '/%252e%252e/%252e%252e/etc/passwd',
  '/assets/..%5c..%5c..%5c..%5cetc%5cpasswd',
  '/%00',
  '/index.html%00.js',
  '/....//....//....//etc/passwd',
  '//etc/passwd',
  '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
  '/%2fetc%2fpasswd',
  '/assets/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/%E0%A4%A',
  `/${'a/'.repeat(2000)}x`,
];
const traversalCases: HostileCase[] = traversals.map((path, i) =>
  httpCase(`asset-path/${i}`, `an asset path that climbs out or is malformed: ${path.slice(0, 60)}`, (h) => ({ path, headers: { Host: h.hostHeader, Cookie: h.cookie } }), statusIs(400, 403, 404, 414, 431)),
);

const methodCases: HostileCase[] = ['POST', 'PUT', 'DELETE', 'TRACE'].map((method) =>
  httpCase(`method/${method}`, `${method} on a page`, (h) => ({ method, path: '/', headers: { Host: h.hostHeader, Cookie: h.cookie } }), statusIs(405)),
);

async function newBatch(host: BrowserHost): Promise<string> {
  const answer = await httpRequest(host.port, { method: 'POST', path: '/upload/batch', headers: { Host: host.hostHeader, Origin: host.origin, Cookie: host.cookie } });
  const batch = (JSON.parse(answer.body) as { batch?: string }).batch;
  if (answer.status !== 200 || !batch) throw new Error(`POST /upload/batch answered ${answer.status}: ${answer.body}`);
  return batch;
}

function uploadCase(id: string, description: string, path: string, options: { batch?: string; headers?: (h: BrowserHost) => Record<string, string>; wanted?: number[] } = {}): HostileCase {
  return sharedHostCase(id, description, async (host) => {
    const batch = options.batch ?? (await newBatch(host));
    const before = await listTree(host.dataHome);
    const headers = options.headers ? options.headers(host) : { Host: host.hostHeader, Origin: host.origin, Cookie: host.cookie };
    const answer = await httpRequest(host.port, { method: 'POST', path: `/upload?batch=${encodeURIComponent(batch)}&path=${path}`, headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: 'hostile' });
    const after = await listTree(host.dataHome);
    const added = after.filter((p) => !before.includes(p) && !p.endsWith('.json') && !p.endsWith('.tmp'));
    if (added.length > 0) return accepted(`HTTP ${answer.status}; written: ${added.slice(0, 3).join(', ')}`);
    return statusIs(...(options.wanted ?? [400]))(answer);
  });
}

const badNames: [string, string][] = [
  ['parent', '..%2Fescaped.txt'],
  ['deep-parent', 'a%2F..%2F..%2F..%2Fescaped.txt'],
  ['absolute', '%2Fetc%2Fescaped.txt'],
  ['backslash', '..%5Cescaped.txt'],
  ['nul', 'ok.txt%00.png'],
  ['dot', '.'],
  ['empty', ''],
  ['empty-segment', 'a%2F%2Fb.txt'],
  ['too-long', 'a'.repeat(5000)],
];

const uploadCases: HostileCase[] = [
  ...badNames.map(([name, path]) => uploadCase(`upload-name/${name}`, 'a staged upload whose name climbs out or is malformed', path)),
  uploadCase('upload-batch/traversal', 'a made-up batch id that climbs out', 'x.txt', { batch: '../../../../tmp' }),
  uploadCase('upload-batch/unknown', 'a batch id that was never given out', 'x.txt', { batch: 'abcdefabcdefabcd' }),
  uploadCase('upload-origin/foreign', 'an upload from another page', 'x.txt', { headers: (h) => ({ Host: h.hostHeader, Origin: 'http://evil.example', Cookie: h.cookie }), wanted: [403] }),
  uploadCase('upload-origin/no-cookie', 'an upload without the session cookie', 'x.txt', { headers: (h) => ({ Host: h.hostHeader, Origin: h.origin }), wanted: [403] }),
  {
    id: 'upload-space/chunked-beyond-free-space',
    category,
    description: 'a chunked upload (no Content-Length) into a disk with too little free space',
    timeoutMs: 30_000,
    async run(targets) {
      const disk = await targets.smallDisk(96);
      const host = await targets.ownHost(disk);
      try {
        const batch = await newBatch(host);
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const answer = await httpRequest(host.port, {
          method: 'POST',
          path: `/upload?batch=${batch}&path=big.bin`,
          headers: { Host: host.hostHeader, Origin: host.origin, Cookie: host.cookie, 'Transfer-Encoding': 'chunked' },
          body: async (write) => {
            for (let i = 0; i < 128; i++) {
              write(chunk);
              await new Promise((r) => setImmediate(r));
            }
          },
        }).catch((err: Error) => ({ status: 0, headers: {}, body: `the connection failed: ${err.message}` }));
        const left = (await listTree(host.dataDir)).filter((p) => p.includes(batch) && p.endsWith('big.bin'));
        if (left.length > 0) return accepted(`HTTP ${answer.status}; ${left.join(', ')} was left on the full disk`);
        if (answer.status === 507 || (answer.status >= 400 && /space/i.test(answer.body))) return refused(`HTTP ${answer.status}`);
        return accepted(`HTTP ${answer.status}: ${brief(answer.body, 100)}`);
      } finally {
        await targets.stopHost(host);
      }
    },
  },
];

const LOG_BYTES = 200_000_000;
const PAUSED_MS = 15_000;

/**
 * A page that stops reading while its run's log streams: the host must shed it (close the socket,
 * the page reconnects and reads again) or keep at most its backlog bound for it, never the whole
 * stream. Judged by what reaches the client once it reads again; the host's resident memory is
 * reported too, but not judged (garbage collection makes it vary by tens of MB between runs).
 */
const slowReader: HostileCase = {
  id: 'slow-reader/jobs-log',
  category,
  description: `a jobs:log subscriber that reads nothing for ${PAUSED_MS / 1000} s while its run writes 200 MB of log`,
  timeoutMs: PAUSED_MS + 25_000,
  async run(targets) {
    const host = await targets.host();
    const [pid] = await childrenOf(host.proc.pid);
    if (pid === undefined) return crashed('the wrapper has no child host process');
    const dir = await targets.folder('slow-reader');
    const file = join(dir, 'chatty.tar.gz');
    await writeRawTarGz(file, [{ header: { name: 'run.sh', mode: 0o755 }, body: `#!/bin/sh\nmkdir -p output\nyes 'a line of a very chatty job, again and again and again' | head -c ${LOG_BYTES}\n` }]);
    const raw = await openRaw(host.port, { path: `/ws?token=${host.token}`, headers: { Host: host.hostHeader, Origin: host.origin } });
    if ('refusedWith' in raw) return crashed(`the socket could not be opened: ${raw.refusedWith}`);
    let runId: string | undefined;
    try {
      const baseline = (await residentBytes(pid)) ?? 0;
      const started = await host.call('packager:test-run', { path: file });
      if (!started.ok) return crashed(`the run did not start: ${started.error.message}`);
      runId = (started.value as { id: string }).id;
      raw.send(text(JSON.stringify({ t: 'sub', sub: { topic: 'jobs:log', key: runId } })));
      // Reads nothing from here on: what the host sends piles up in its buffers and the kernel's.
      raw.socket.pause();
      let peak = baseline;
      for (const until = Date.now() + PAUSED_MS; Date.now() < until; await delay(250)) peak = Math.max(peak, (await residentBytes(pid)) ?? 0);
      let queued = 0;
      raw.socket.on('data', (chunk: Buffer) => (queued += chunk.length));
      raw.socket.resume();
      const end = await raw.ending(8000);
      const mb = (n: number) => `${Math.round(n / 1e6)} MB`;
      const seen = `${mb(queued)} reached the client once it read again; the host's memory grew by ${mb(peak - baseline)}`;
      if (end.kind === 'timeout' && queued > MAX_SOCKET_BACKLOG_BYTES) return accepted(`the host kept the subscriber and everything for it: ${seen}`);
      const how = end.kind === 'timeout' ? 'kept with a bounded backlog' : `dropped (${end.kind === 'close' ? `close ${end.code}` : 'connection cut'})`;
      return refused(`the subscriber was ${how}; ${seen}`);
    } finally {
      raw.destroy();
      if (runId) await host.call('jobs:cancel', { runId });
    }
  },
};

export const browserHostCases: HostileCase[] = [...protocolFrames, ...messageCases, ...tokenCases, ...hostCases, ...upgradeCases, ...traversalCases, ...methodCases, ...uploadCases, slowReader];
