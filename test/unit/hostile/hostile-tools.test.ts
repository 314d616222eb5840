import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Receiver } from 'ws';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { judgeRefusal } from '../../hostile/cases/contract.ts';
import { judgeCli } from '../../hostile/cases/cli.ts';
import { paxRecords, rawTarGz } from '../../hostile/raw-tar.ts';
import { closePayload, frame, text } from '../../hostile/raw-socket.ts';

// The hostile corpus (test/hostile) is only as good as its inputs and its judges: the archives it
// writes by hand must be read by a real tar reader exactly as meant, its frames must be what a
// WebSocket parser sees, and each verdict must be able to go against the target.

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

/** What ws's own parser (the host's) says of these bytes: a message, or the error and close code. */
async function parse(bytes: Buffer): Promise<{ message?: string; error?: string; code?: number }> {
  const receiver = new Receiver({ isServer: true, maxPayload: 1024 });
  const seen: { message?: string; error?: string; code?: number } = {};
  receiver.on('message', (data: Buffer) => (seen.message = data.toString()));
  receiver.on('error', (err: Error & { [key: symbol]: number }) => {
    seen.error = err.message;
    seen.code = err[Object.getOwnPropertySymbols(err).find((s) => s.description === 'status-code')!];
  });
  receiver.write(bytes);
  await new Promise((resolve) => setImmediate(resolve));
  return seen;
}

describe('hand-made WebSocket frames', () => {
  it('carry a masked message that the parser reads back', async () => {
    expect(await parse(text('{"t":"call"}'))).toEqual({ message: '{"t":"call"}' });
  });

  it('break the protocol exactly as named', async () => {
    expect((await parse(text('x', { masked: false }))).code).toBe(1002);
    expect((await parse(text('x', { rsv: 0x4 }))).code).toBe(1002);
    expect((await parse(frame({ opcode: 3 }))).code).toBe(1002);
    expect((await parse(frame({ opcode: 8, payload: closePayload(999) }))).code).toBe(1002);
    expect((await parse(text(Buffer.from([0xff])))).code).toBe(1007);
    expect((await parse(text('x', { declaredLength: 2000n }))).code).toBe(1009);
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
