import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { judgeRefusal } from '../../hostile/cases/contract.ts';
import { judgeCli } from '../../hostile/cases/cli.ts';
import { paxRecords, rawTarGz } from '../../hostile/raw-tar.ts';
import { closePayload, frame, openRaw, text } from '../../hostile/raw-socket.ts';

// The hostile corpus (test/hostile) is only as good as its inputs and its judges: the archives it
// writes by hand must be read by a real tar reader exactly as meant, its frames must be what a
// WebSocket server sees, and each verdict must be able to go against the target.

/** What Python's tarfile makes of an archive: each member's name, type flag and size. */
function pythonMembers(file: string): string[] {
  const script = 'import sys, tarfile\nfor m in tarfile.open(sys.argv[1]).getmembers(): print(m.name, m.type.decode(), m.size)';
  return execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }).trim().split('\n');
}

describe('raw tar archives', () => {
  it('are read by tarfile entry by entry, with the type flags and PAX paths written', async () => {
    const dir = await useTempDir('raw-tar');
    const file = join(dir, 'a.tar.gz');
    await writeFile(
      file,
      rawTarGz([
        { name: 'run.sh', mode: 0o755, body: '#!/bin/sh\n' },
        { name: 'run.sh', body: 'second' },
        { name: 'PaxHeader/x', type: 'x', body: paxRecords({ path: '../p.txt' }) },
        { name: 'x', body: 'renamed' },
        { name: 'sparse', type: 'S', body: 'y' },
      ]),
    );
    // A GNU sparse entry's size is its header's "real size" field, which is left 0.
    expect(pythonMembers(file)).toEqual(['run.sh 0 10', 'run.sh 0 6', '../p.txt 0 7', 'sparse S 0']);
  });

  it('make a PAX record whose length counts itself, across a change in digits', () => {
    const record = paxRecords({ path: 'a'.repeat(90) }).toString();
    expect(Number(record.split(' ')[0])).toBe(Buffer.byteLength(record));
  });

  it('fail their checksum only where asked', async () => {
    const dir = await useTempDir('raw-tar');
    const good = join(dir, 'good.tar.gz');
    const bad = join(dir, 'bad.tar.gz');
    await writeFile(good, rawTarGz([{ name: 'ok.txt', body: 'x' }, { name: 'later.txt', body: 'y' }]));
    await writeFile(bad, rawTarGz([{ name: 'ok.txt', body: 'x' }, { name: 'later.txt', body: 'y', badChecksum: true }]));
    expect(pythonMembers(good)).toEqual(['ok.txt 0 1', 'later.txt 0 1']);
    // tarfile stops quietly at a bad header after the first: the second entry is not there.
    expect(pythonMembers(bad)).toEqual(['ok.txt 0 1']);
  });
});

describe('hand-made WebSocket frames, sent to a ws server (the library the host uses)', () => {
  let wss: WebSocketServer;
  let port: number;
  beforeAll(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1024 });
    wss.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.on('message', (data) => ws.send(`echo ${data.toString()}`));
    });
    await new Promise((resolve) => wss.once('listening', resolve));
    port = (wss.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  async function answer(bytes: Buffer): Promise<{ echoed: string[]; end: string }> {
    const raw = await openRaw(port, { path: '/', headers: { Host: `127.0.0.1:${port}` } });
    if ('refusedWith' in raw) throw new Error(raw.refusedWith);
    raw.send(bytes);
    raw.send(frame({ opcode: 8, payload: closePayload(1000) }));
    const end = await raw.ending(2000);
    raw.destroy();
    return { echoed: raw.frames.filter((f) => f.opcode === 1).map((f) => f.payload.toString()), end: end.kind === 'close' ? `close ${end.code}` : end.kind };
  }

  it('carry a masked message that the server reads back', async () => {
    expect(await answer(text('{"t":"call"}'))).toEqual({ echoed: ['echo {"t":"call"}'], end: 'close 1000' });
  });

  it('break the protocol exactly as named', async () => {
    expect((await answer(text('x', { masked: false }))).end).toBe('close 1002');
    expect((await answer(text('x', { rsv: 0x4 }))).end).toBe('close 1002');
    expect((await answer(frame({ opcode: 3 }))).end).toBe('close 1002');
    expect((await answer(frame({ opcode: 8, payload: closePayload(999) }))).end).toBe('close 1002');
    expect((await answer(text(Buffer.from([0xff])))).end).toBe('close 1007');
    expect((await answer(text('x', { declaredLength: 2000n }))).end).toBe('close 1009');
  });
});

describe('verdicts', () => {
  it('take an answered call as accepted and an unexpected throw as a crash', () => {
    expect(judgeRefusal('a:b', { ok: true, value: 1 }).verdict).toBe('accepted');
    expect(judgeRefusal('a:b', { ok: false, error: { code: 'INTERNAL', message: 'Unexpected error: x is undefined', retryable: false } }).verdict).toBe('crashed');
    expect(judgeRefusal('a:b', { ok: false, error: { code: 'BAD_INPUT', message: 'a:b: path: too long', retryable: false } }).verdict).toBe('refused');
  });

  it('take raw terminal escapes, a zero exit or a stack trace from the CLI as not refused', () => {
    const finished = { code: 1, signal: null, stdout: '', stderr: 'workbench: no such file\n', timedOut: false, stoppedEarly: false };
    expect(judgeCli(finished).verdict).toBe('refused');
    expect(judgeCli({ ...finished, stderr: 'workbench: \u001b[2J gone\n' }).verdict).toBe('accepted');
    expect(judgeCli({ ...finished, code: 0 }).verdict).toBe('accepted');
    expect(judgeCli({ ...finished, stderr: 'TypeError: x\n    at run (/work/out/main/cli.js:10:5)\n' }).verdict).toBe('crashed');
    expect(judgeCli({ ...finished, timedOut: true }).verdict).toBe('hung');
  });
});
