import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connectGuarded } from '../../../../../src/main/services/net/loopback.ts';
import {
  PART_SUFFIX,
  RECOMMENDED_ALGORITHMS,
  SftpSession,
  TransferQueue,
  downloadFile,
  runTransfer,
  uploadFile,
  type QueueSnapshot,
} from '../../../../../src/main/services/ssh/transfers/index.ts';
import { TransferId, TransferItem } from '../../../../../src/shared/transfer-model.ts';
import { eventually } from '../../../../fixtures/eventually.ts';
import { hashServices } from '../../../../fixtures/sshd-sessions.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/**
 * The transfer engine against a real OpenSSH sshd on loopback. sshd runs on this machine as this
 * user, so "the worker's" files are checked directly on disk.
 */

interface Connection {
  client: Client;
  sock: Socket;
  session: SftpSession;
}

const sshd = useSshd();

async function connect(): Promise<Connection> {
  const sock = await connectGuarded(sshd.host, sshd.port, { timeoutMs: 10_000 });
  const expected = Buffer.from(sshd.hostPublicKey.split(' ')[1] ?? '', 'base64');
  const client = new Client();
  client.on('error', () => {}); // connections are cut on purpose below; failures surface through the calls
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
    client.connect({ sock, username: sshd.username, privateKey: sshd.privateKey, readyTimeout: 10_000, hostVerifier: (key: Buffer) => key.equals(expected), algorithms: RECOMMENDED_ALGORITHMS });
  });
  const session = await SftpSession.open(client);
  onTestFinished(() => {
    client.end();
  });
  return { client, sock, session };
}

/** A fresh folder inside the fixture's dir, i.e. "on the worker". */
async function remoteDir(name: string): Promise<string> {
  const dir = join(sshd.dir, `${name}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  return dir;
}

/** Retries `check` until it passes: for state that settles after an event we cannot observe. */
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** OpenSSH's sftp-server allows 255 KiB per READ/WRITE (limits@openssh.com). */
const CHUNK = 255 * 1024;

describe('single files', () => {
  it("learns OpenSSH's request limits and sizes its chunks by them", async () => {
    const { session } = await connect();
    expect(session.chunkSize).toEqual({ read: CHUNK, write: CHUNK });
  });

  for (const size of [0, 1, CHUNK - 1, CHUNK + 1, 5 * 1024 * 1024 + 123]) {
    it(`round-trips ${size} bytes byte-identical, verified, with no part file left`, async () => {
      const { session } = await connect();
      const local = await useTempDir();
      const remote = await remoteDir('roundtrip');
      const data = randomBytes(size);
      await writeFile(join(local, 'src.bin'), data);

      const up = await uploadFile(session, join(local, 'src.bin'), join(remote, 'up.bin'));
      expect(up).toEqual({ size, resumedFrom: 0, sha256: sha256(data) });
      expect((await readFile(join(remote, 'up.bin'))).equals(data)).toBe(true);

      const down = await downloadFile(session, join(remote, 'up.bin'), join(local, 'down.bin'));
      expect(down).toEqual({ size, resumedFrom: 0, sha256: sha256(data) });
      expect((await readFile(join(local, 'down.bin'))).equals(data)).toBe(true);
      expect(existsSync(join(remote, `up.bin${PART_SUFFIX}`))).toBe(false);
      expect(existsSync(join(local, `down.bin${PART_SUFFIX}`))).toBe(false);
    });
  }

  it('verifies every file of a connection with one hashing service on the worker, several at once', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('one-service');
    // Two large enough to be followed while they arrive, the rest hashed once complete.
    const files = [17 * 1024 * 1024, 17 * 1024 * 1024 + 1, 0, 10, CHUNK, 3 * 1024 * 1024].map((size, i) => ({ name: `file ${i}\n'"`, data: randomBytes(size) }));
    await Promise.all(files.map(({ name, data }) => writeFile(join(local, name), data)));
    const ups = await Promise.all(files.map(({ name }) => uploadFile(session, join(local, name), join(remote, name))));
    expect(ups.map((up) => up.sha256)).toEqual(files.map(({ data }) => sha256(data)));
    const downs = await Promise.all(files.map(({ name }) => downloadFile(session, join(remote, name), join(local, `${name}.back`))));
    expect(downs.map((down) => down.sha256)).toEqual(files.map(({ data }) => sha256(data)));
    // Earlier tests' connections are closed, and their services end with them.
    await eventually(() => hashServices(sshd), 10_000).toEqual([{ pid: expect.any(Number), threads: 1 }]);
  });

  it('replaces an existing destination atomically on upload (posix-rename)', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('replace');
    await writeFile(join(remote, 'f'), 'old content');
    await writeFile(join(local, 'f'), 'new');
    await uploadFile(session, join(local, 'f'), join(remote, 'f'));
    expect(await readFile(join(remote, 'f'), 'utf8')).toBe('new');
  });
});

describe('bad input', () => {
  it('a missing source or destination folder is NOT_FOUND, naming the path', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('missing');
    await writeFile(join(local, 'f'), 'x');
    await expect(uploadFile(session, join(local, 'nope'), join(remote, 'f'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(join(local, 'nope')) });
    await expect(uploadFile(session, join(local, 'f'), join(remote, 'no-dir', 'f'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('on the worker') });
    await expect(downloadFile(session, join(remote, 'nope'), join(local, 'g'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining(join(remote, 'nope')) });
    await writeFile(join(remote, 'r'), 'x');
    await expect(downloadFile(session, join(remote, 'r'), join(local, 'no-dir', 'g'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('on this computer') });
  });

  it('permission denied is FORBIDDEN on either side, with what to do', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('denied');
    await writeFile(join(local, 'f'), 'x');
    await writeFile(join(remote, 'f'), 'x');
    // Tests may run as root, who may write anywhere except where the kernel refuses: /sys.
    const denied = process.getuid?.() === 0 ? '/sys' : await deniedDir(local);
    await expect(uploadFile(session, join(local, 'f'), join(denied, 'f'))).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/permission denied.*on the worker|on the worker: permission denied/) });
    await expect(downloadFile(session, join(remote, 'f'), join(denied, 'f'))).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('on this computer: permission denied') });
  });
});

async function deniedDir(parent: string): Promise<string> {
  const dir = join(parent, 'read-only');
  await mkdir(dir, { mode: 0o500 });
  return dir;
}

describe('resume after the connection is cut', () => {
  const SIZE = 24 * 1024 * 1024 + 7;
  const CUT_AT = 6 * 1024 * 1024;

  it('an upload continues from the part file on a fresh connection, sending only the rest', async () => {
    const local = await useTempDir();
    const remote = await remoteDir('resume-up');
    const data = randomBytes(SIZE);
    await writeFile(join(local, 'big.bin'), data);
    const dest = join(remote, 'big.bin');

    const first = await connect();
    let sent = 0;
    const cut = uploadFile(first.session, join(local, 'big.bin'), dest, {
      onBytes: (n) => {
        sent += n;
        if (sent >= CUT_AT) first.sock.destroy();
      },
    });
    await expect(cut).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(existsSync(dest)).toBe(false);
    // The worker's hashing service of that connection saw its stdin close and is gone.
    await eventually(() => hashServices(sshd), 10_000).toEqual([]);
    const part = (await stat(dest + PART_SUFFIX)).size;
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(SIZE);

    const second = await connect();
    let resent = 0;
    const result = await uploadFile(second.session, join(local, 'big.bin'), dest, { onBytes: (n) => (resent += n) });
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(resent).toBe(SIZE - result.resumedFrom);
    expect(resent).toBeLessThan(SIZE);
    expect(result.sha256).toBe(sha256(data));
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + PART_SUFFIX)).toBe(false);
  });

  it('a download continues from the local part file, receiving only the rest', async () => {
    const local = await useTempDir();
    const remote = await remoteDir('resume-down');
    const data = randomBytes(SIZE);
    await writeFile(join(remote, 'big.bin'), data);
    const dest = join(local, 'big.bin');

    const first = await connect();
    let received = 0;
    const cut = downloadFile(first.session, join(remote, 'big.bin'), dest, {
      onBytes: (n) => {
        received += n;
        if (received >= CUT_AT) first.sock.destroy();
      },
    });
    await expect(cut).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(existsSync(dest)).toBe(false);
    // Local writes happen in order, so the part holds exactly what was reported.
    expect((await stat(dest + PART_SUFFIX)).size).toBe(received);

    const second = await connect();
    let rest = 0;
    const result = await downloadFile(second.session, join(remote, 'big.bin'), dest, { onBytes: (n) => (rest += n) });
    expect(result.resumedFrom).toBe(received);
    expect(rest).toBe(SIZE - received);
    expect((await readFile(dest)).equals(data)).toBe(true);
    expect(existsSync(dest + PART_SUFFIX)).toBe(false);
  });
});

describe('verification', () => {
  // Large enough that the rest of an upload is hashed on the worker while it arrives.
  const SIZE = 40 * 1024 * 1024;

  /** The first `length` bytes of `data` with one byte changed: a part file gone bad. */
  function badPrefix(data: Buffer, length: number): Buffer {
    const part = Buffer.from(data.subarray(0, length));
    part[length >> 1] = part[length >> 1]! ^ 0xff;
    return part;
  }

  it('a corrupted part file on the worker fails the upload, is deleted, and a retry starts over', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('corrupt-up');
    const data = randomBytes(SIZE);
    await writeFile(join(local, 'f.bin'), data);
    const dest = join(remote, 'f.bin');
    await writeFile(dest + PART_SUFFIX, badPrefix(data, SIZE / 2));

    const failed = uploadFile(session, join(local, 'f.bin'), dest);
    await expect(failed).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining(`Verification failed for ${dest}`) });
    expect(existsSync(dest + PART_SUFFIX)).toBe(false);
    expect(existsSync(dest)).toBe(false);

    const retried = await uploadFile(session, join(local, 'f.bin'), dest);
    expect(retried.resumedFrom).toBe(0);
    expect((await readFile(dest)).equals(data)).toBe(true);
  });

  it('a corrupted local part file fails the download and is deleted', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('corrupt-down');
    const data = randomBytes(SIZE);
    await writeFile(join(remote, 'f.bin'), data);
    const dest = join(local, 'f.bin');
    await writeFile(dest + PART_SUFFIX, badPrefix(data, SIZE / 4));

    await expect(downloadFile(session, join(remote, 'f.bin'), dest)).rejects.toMatchObject({ code: 'CORRUPT_DATA', message: expect.stringContaining('The partial copy was deleted') });
    expect(existsSync(dest + PART_SUFFIX)).toBe(false);
    expect(existsSync(dest)).toBe(false);
  });

  it('a part file longer than the source is discarded, not trusted', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('long-part');
    const data = randomBytes(1000);
    await writeFile(join(local, 'f'), data);
    await writeFile(join(remote, `f${PART_SUFFIX}`), randomBytes(5000));
    const result = await uploadFile(session, join(local, 'f'), join(remote, 'f'));
    expect(result.resumedFrom).toBe(0);
    expect((await readFile(join(remote, 'f'))).equals(data)).toBe(true);
  });
});

/** Every entry below `root`: relative path -> 'folder', 'symlink -> target' or the file's SHA-256. */
async function tree(root: string, rel = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await readdir(join(root, rel))) {
    const path = join(rel, name);
    const stats = await lstat(join(root, path));
    if (stats.isSymbolicLink()) out[path] = `symlink -> ${await readlink(join(root, path))}`;
    else if (stats.isDirectory()) Object.assign(out, { [path]: 'folder' }, await tree(root, path));
    else out[path] = sha256(await readFile(join(root, path)));
  }
  return out;
}

const withoutSymlinks = (entries: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(entries).filter(([, v]) => !v.startsWith('symlink')));

/** Resolves with the first snapshot that satisfies `test`. */
function waitFor(queue: TransferQueue, test: (snapshot: QueueSnapshot) => boolean): Promise<QueueSnapshot> {
  return new Promise((resolve) => {
    const stop = queue.subscribe((snapshot) => {
      if (!test(snapshot)) return;
      stop();
      resolve(snapshot);
    });
  });
}

/** The worker the queues of these tests belong to (an id of the contract's shape). */
const WORKER = 'ssh-queue001';

const AWKWARD_NAMES = ['with space', "it's", 'say "hi"', 'new\nline', 'ünïcødé 文件 🚀', '-leading-dash', '--', 'back\\slash', '$(id)', '`id`', '.hidden', 'tab\tname', '*'];

describe('folders', () => {
  it('round-trip byte-identical with awkward names; symlinks are reported, not followed', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('folders');
    const source = join(local, 'source tree');
    await mkdir(join(source, "-dash dir 'q'\n", 'empty dir'), { recursive: true });
    for (const [i, name] of AWKWARD_NAMES.entries()) {
      await writeFile(join(source, name), randomBytes(i * 1000));
      await writeFile(join(source, "-dash dir 'q'\n", `${name}.txt`), randomBytes(17 + i));
    }
    await writeFile(join(source, 'big.bin'), randomBytes(CHUNK * 3 + 5));
    await symlink('/etc', join(source, 'link to etc'));
    await symlink('big.bin', join(source, "-dash dir 'q'\n", 'link'));

    const queue = new TransferQueue({ workerId: WORKER, client: () => client, conflict: 'overwrite' });
    const up = queue.add({ direction: 'upload', localPath: source, remotePath: join(remote, 'up loaded') });
    await queue.idle();
    const uploaded = queue.snapshot().items.find((item) => item.id === up)!;
    expect(uploaded).toMatchObject({ state: 'done', kind: 'folder' });
    expect(uploaded.bytesDone).toBe(uploaded.bytesTotal);
    // Both links, one of them inside a folder, reported and not copied.
    expect([...uploaded.result!.unsupported].sort()).toEqual([join(source, "-dash dir 'q'\n", 'link'), join(source, 'link to etc')].sort());
    const sourceTree = await tree(source);
    expect(await tree(join(remote, 'up loaded'))).toEqual(withoutSymlinks(sourceTree));

    // A symlink on the worker side is reported on the way down too.
    await symlink('/etc', join(remote, 'up loaded', 'remote link'));
    const down = queue.add({ direction: 'download', localPath: join(local, 'down loaded'), remotePath: join(remote, 'up loaded') });
    await queue.idle();
    const downloaded = queue.snapshot().items.find((item) => item.id === down)!;
    expect(downloaded).toMatchObject({ state: 'done', kind: 'folder' });
    expect(downloaded.result?.unsupported).toEqual([join(remote, 'up loaded', 'remote link')]);
    expect(await tree(join(local, 'down loaded'))).toEqual(withoutSymlinks(sourceTree));
  });
});

describe('the queue', () => {
  it('applies each conflict policy to an existing destination', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('conflicts');
    const data = randomBytes(3 * CHUNK + 11);
    await writeFile(join(local, 'data.bin'), data);
    for (const name of ['skip.bin', 'overwrite.bin', 'rename.bin', 'rename (1).bin']) await writeFile(join(remote, name), 'old');
    // An earlier copy cut short by some other tool: the first part of the same bytes.
    await writeFile(join(remote, 'resume.bin'), data.subarray(0, CHUNK + 3));

    const queue = new TransferQueue({ workerId: WORKER, client: () => client });
    const item = (name: string, conflict: 'skip' | 'overwrite' | 'rename' | 'resume') =>
      queue.add({ direction: 'upload', localPath: join(local, 'data.bin'), remotePath: join(remote, name), conflict });
    const ids = { skip: item('skip.bin', 'skip'), overwrite: item('overwrite.bin', 'overwrite'), rename: item('rename.bin', 'rename'), resume: item('resume.bin', 'resume') };
    await queue.idle();
    const items = new Map(queue.snapshot().items.map((i) => [i.id, i]));
    for (const id of Object.values(ids)) expect(items.get(id)?.state, items.get(id)?.error?.message).toBe('done');
    // The queue's items are the contract's, under the ids the app and the CLI use.
    for (const done of items.values()) expect(TransferItem.parse(done)).toEqual(done);
    expect(Object.values(ids)).toEqual(Object.values(ids).map((id) => TransferId.parse(id)));

    expect(await readFile(join(remote, 'skip.bin'), 'utf8')).toBe('old');
    expect(items.get(ids.skip)?.result).toEqual({ written: 0, skipped: 1, unsupported: [] });
    expect((await readFile(join(remote, 'overwrite.bin'))).equals(data)).toBe(true);
    expect(await readFile(join(remote, 'rename.bin'), 'utf8')).toBe('old');
    expect(await readFile(join(remote, 'rename (1).bin'), 'utf8')).toBe('old');
    expect((await readFile(join(remote, 'rename (2).bin'))).equals(data)).toBe(true);
    expect(items.get(ids.rename)?.result).toEqual({ written: 1, skipped: 0, unsupported: [] });
    expect((await readFile(join(remote, 'resume.bin'))).equals(data)).toBe(true);
    expect(await readdir(remote)).not.toContain(expect.stringContaining(PART_SUFFIX));
  });

  it('resume on an existing destination sends only the missing bytes', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('resume-policy');
    const data = randomBytes(2 * 1024 * 1024);
    await writeFile(join(remote, 'f.bin'), data.subarray(0, 1024 * 1024));
    await writeFile(join(local, 'f.bin'), data);
    let moved = 0;
    let reused = 0;
    await runTransfer(session, { direction: 'upload', localPath: join(local, 'f.bin'), remotePath: join(remote, 'f.bin') }, {
      resolveConflict: async () => 'resume',
      onBytes: (n) => (moved += n),
      onReused: (n) => (reused += n),
    });
    expect({ moved, reused }).toEqual({ moved: 1024 * 1024, reused: 1024 * 1024 });
    expect((await readFile(join(remote, 'f.bin'))).equals(data)).toBe(true);
  });

  it('asks, and "apply to all" answers the waiting item and every later one', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('ask');
    await writeFile(join(local, 'new'), 'new');
    for (const name of ['a', 'b', 'c']) await writeFile(join(remote, name), 'old');
    const queue = new TransferQueue({ workerId: WORKER, client: () => client, concurrency: 1 });
    const ids = ['a', 'b', 'c'].map((name) => queue.add({ direction: 'upload', localPath: join(local, 'new'), remotePath: join(remote, name) }));
    const asking = await waitFor(queue, (s) => s.total.waiting === 1);
    const waiting = asking.items.find((i) => i.state === 'waiting')!;
    expect(waiting.id).toBe(ids[0]);
    expect(waiting.pendingConflict).toEqual({ path: join(remote, 'a'), existingSize: 3, sourceSize: 3 });
    expect(TransferItem.parse(waiting)).toEqual(waiting);
    queue.resolveConflict(waiting.id, 'overwrite', { applyToAll: true });
    await queue.idle();
    expect(queue.snapshot().items.map((i) => i.state)).toEqual(['done', 'done', 'done']);
    for (const name of ['a', 'b', 'c']) expect(await readFile(join(remote, name), 'utf8')).toBe('new');
  });

  it('a folder of small files (copied several at a time) asks about each existing file once, one question at a time', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('batch');
    const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.csv`);
    const existing = names.filter((_, i) => i % 4 === 3);
    await mkdir(join(local, 'batch'));
    await mkdir(join(remote, 'batch'));
    for (const name of names) await writeFile(join(local, 'batch', name), `new ${name}`);
    for (const name of existing) await writeFile(join(remote, 'batch', name), 'old');
    const queue = new TransferQueue({ workerId: WORKER, client: () => client });
    queue.add({ direction: 'upload', localPath: join(local, 'batch'), remotePath: join(remote, 'batch') });
    const answers = new Map<string, 'skip' | 'overwrite'>();
    // waitFor sees the next snapshot; what holds already is read from the queue.
    const when = (test: (snapshot: QueueSnapshot) => boolean) => (test(queue.snapshot()) ? Promise.resolve(queue.snapshot()) : waitFor(queue, test));
    for (;;) {
      const now = await when((s) => s.total.waiting === 1 || s.items[0]?.state === 'done');
      const item = now.items[0]!;
      if (item.state === 'done') break;
      const path = item.pendingConflict!.path;
      expect(answers.has(path)).toBe(false);
      const answer = answers.size % 2 === 0 ? 'skip' : 'overwrite';
      answers.set(path, answer);
      queue.resolveConflict(item.id, answer);
      await when((s) => s.items[0]?.pendingConflict?.path !== path);
    }
    expect([...answers.keys()].sort()).toEqual(existing.map((name) => join(remote, 'batch', name)));
    for (const name of names) {
      const answer = answers.get(join(remote, 'batch', name));
      expect(await readFile(join(remote, 'batch', name), 'utf8')).toBe(answer === 'skip' ? 'old' : `new ${name}`);
    }
    expect((await readdir(join(remote, 'batch'))).sort()).toEqual(names);
  });

  it('a "rename" upload cancelled and retried continues its numbered copy: no second copy', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('rename-retry');
    const data = randomBytes(48 * 1024 * 1024);
    await writeFile(join(local, 'big.bin'), data);
    await writeFile(join(remote, 'big.bin'), 'already here');
    const queue = new TransferQueue({ workerId: WORKER, client: () => client });
    const id = queue.add({ direction: 'upload', localPath: join(local, 'big.bin'), remotePath: join(remote, 'big.bin'), conflict: 'rename' });
    await waitFor(queue, (s) => (s.items[0]?.bytesDone ?? 0) > 4 * 1024 * 1024);
    queue.cancel(id);
    await queue.idle();
    expect((await readdir(remote)).sort()).toEqual(['big (1).bin' + PART_SUFFIX, 'big.bin'].sort());

    queue.retry(id);
    await queue.idle();
    const done = queue.snapshot().items[0];
    expect(done).toMatchObject({ state: 'done', bytesDone: data.length });
    expect(done?.bytesReused).toBeGreaterThan(0);
    expect((await readdir(remote)).sort()).toEqual(['big (1).bin', 'big.bin']);
    expect((await readFile(join(remote, 'big (1).bin'))).equals(data)).toBe(true);
    expect(await readFile(join(remote, 'big.bin'), 'utf8')).toBe('already here');
  });

  it('cancel leaves a resumable part file and no final file; retry completes it', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('cancel');
    const data = randomBytes(48 * 1024 * 1024);
    await writeFile(join(local, 'big.bin'), data);
    const dest = join(remote, 'big.bin');
    const queue = new TransferQueue({ workerId: WORKER, client: () => client });
    const emitted: number[] = [];
    queue.subscribe(() => emitted.push(performance.now()));
    const id = queue.add({ direction: 'upload', localPath: join(local, 'big.bin'), remotePath: dest });
    await waitFor(queue, (s) => (s.items[0]?.bytesDone ?? 0) > 4 * 1024 * 1024);
    queue.cancel(id);
    await queue.idle();
    expect(queue.snapshot().items[0]).toMatchObject({ state: 'cancelled' });
    expect(existsSync(dest)).toBe(false);
    // The connection's hashing service stopped following the part: only its request reader is left.
    await eventually(() => hashServices(sshd), 10_000).toEqual([{ pid: expect.any(Number), threads: 1 }]);
    const part = (await stat(dest + PART_SUFFIX)).size;
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(data.length);

    queue.retry(id);
    await queue.idle();
    const done = queue.snapshot();
    expect(done.items[0]).toMatchObject({ state: 'done', bytesDone: data.length, bytesTotal: data.length });
    expect(done.total).toMatchObject({ bytesDone: data.length, bytesTotal: data.length, running: 0, queued: 0 });
    expect((await readFile(dest)).equals(data)).toBe(true);
    // Snapshots are batched: at most one per 100 ms (a little slack for timer jitter).
    const gaps = emitted.slice(1).map((t, i) => t - emitted[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(90);
  });

  it('a failure is reported on the item, with a clear message, and the queue goes on', async () => {
    const { client } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('fail');
    await writeFile(join(local, 'ok'), 'ok');
    const queue = new TransferQueue({ workerId: WORKER, client: () => client });
    const bad = queue.add({ direction: 'download', localPath: join(local, 'x'), remotePath: join(remote, 'missing') });
    const good = queue.add({ direction: 'upload', localPath: join(local, 'ok'), remotePath: join(remote, 'ok') });
    await queue.idle();
    const items = new Map(queue.snapshot().items.map((i) => [i.id, i]));
    expect(items.get(bad)).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND', retryable: false, message: `${join(remote, 'missing')} does not exist on the worker. Check the path.` } });
    expect(items.get(good)?.state).toBe('done');
  });
});

describe('a part file that is a link', () => {
  // Someone who can write into the destination folder (a shared /tmp, a job on the worker) plants
  // `<name>.wbpart` as a link to a file of ours: the transfer must not write through it.
  it('on the worker: the upload replaces the link, the file it points to stays as it was', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('part-link-up');
    await writeFile(join(remote, 'victim'), 'keep me');
    await symlink(join(remote, 'victim'), join(remote, `data.csv${PART_SUFFIX}`));
    await writeFile(join(local, 'data.csv'), 'a,1\n');
    await uploadFile(session, join(local, 'data.csv'), join(remote, 'data.csv'));
    expect(await readFile(join(remote, 'victim'), 'utf8')).toBe('keep me');
    expect(await readFile(join(remote, 'data.csv'), 'utf8')).toBe('a,1\n');
    expect((await lstat(join(remote, 'data.csv'))).isFile()).toBe(true);
  });

  it('on this computer: the download replaces the link, the file it points to stays as it was', async () => {
    const { session } = await connect();
    const local = await useTempDir();
    const remote = await remoteDir('part-link-down');
    await writeFile(join(remote, 'data.csv'), 'a,1\n');
    await writeFile(join(local, 'victim'), 'keep me');
    await symlink(join(local, 'victim'), join(local, `data.csv${PART_SUFFIX}`));
    await downloadFile(session, join(remote, 'data.csv'), join(local, 'data.csv'));
    expect(await readFile(join(local, 'victim'), 'utf8')).toBe('keep me');
    expect(await readFile(join(local, 'data.csv'), 'utf8')).toBe('a,1\n');
    expect((await lstat(join(local, 'data.csv'))).isFile()).toBe(true);
  });
});
