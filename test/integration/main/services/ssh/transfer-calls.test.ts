import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { PART_SUFFIX } from '../../../../../src/main/services/ssh/transfers/index.ts';
import type { EventEnvelope } from '../../../../../src/shared/protocol.ts';
import type { TransferItem, TransferSnapshot } from '../../../../../src/shared/transfer-model.ts';
import type { WorkerInfo } from '../../../../../src/shared/worker-model.ts';
import { killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { grantSshAccess } from '../../../../fixtures/ssh-worker-access.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

/**
 * The transfer calls of the contract, through workbench.dispatch, against a real OpenSSH sshd on
 * loopback. sshd runs as this user, so "the worker's" files are checked on disk directly.
 */

const sshd = useSshd();
let home: TempDir;
let dataDir: string;
let workbench: Workbench;
let worker: WorkerInfo;

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const open = () => createWorkbench({ dataDir, host: 'web', resourcesDir: resolve('resources') });

beforeEach(async () => {
  home = await makeTempDir('transfer-calls');
  dataDir = join(home.path, 'data');
  await mkdir(dataDir);
  await grantSshAccess(dataDir, sshd);
  workbench = await open();
  worker = await call('workers:add-ssh', { name: 'box', host: 'box' });
});
afterEach(async () => {
  await workbench.close();
  await home.cleanup();
});

const call = callerOf(() => workbench);

async function item(id: string): Promise<TransferItem> {
  const found = (await call('transfers:list')).items.find((i) => i.id === id);
  if (!found) throw new Error(`no transfer ${id}`);
  return found;
}

/** A folder "on the worker" (inside the fixture's dir). */
async function remoteDir(name: string): Promise<string> {
  const dir = join(sshd.dir, `${name}-${randomBytes(4).toString('hex')}`);
  await mkdir(dir);
  return dir;
}

/** Every file below `root` as relative path -> bytes (base64), folders as 'dir'. */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (dir: string, rel: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        out[key] = 'dir';
        await visit(path, key);
      } else {
        out[key] = (await readFile(path)).toString('base64');
      }
    }
  };
  await visit(root, '');
  return out;
}

describe('transfers through the contract', () => {
  it('uploads a folder with awkward names and downloads it back byte-identical', async () => {
    const seen: EventEnvelope[] = [];
    const subscriber = workbench.hub.connect((batch) => seen.push(...batch));
    subscriber.subscribe({ topic: 'transfers:changed' });

    const source = join(home.path, `up "it's" -dir`);
    await mkdir(join(source, 'sub dir', '-x'), { recursive: true });
    await mkdir(join(source, 'empty'));
    const files: Record<string, Buffer> = {
      'a file.txt': Buffer.from('hello\n'),
      [`it's "quoted"`]: randomBytes(1000),
      'new\nline': randomBytes(300 * 1024),
      '-leading-dash': randomBytes(17),
      'sub dir/-x/$(touch pwned) `x`; rm -rf': randomBytes(2 * 1024 * 1024 + 5),
      'sub dir/ünïcode ✓': Buffer.alloc(0),
    };
    for (const [rel, data] of Object.entries(files)) await writeFile(join(source, rel), data);

    const remote = await remoteDir('uploads');
    const [uploadId] = await call('transfers:upload', { workerId: worker.id, localPaths: [source], remoteDir: remote });
    const uploaded = await workbench.transfers.settled(uploadId!);
    expect(uploaded).toMatchObject({ state: 'done', kind: 'folder', direction: 'upload', remotePath: join(remote, `up "it's" -dir`) });
    expect(uploaded.result).toEqual({ written: 6, skipped: 0, unsupported: [] });
    expect(uploaded.bytesDone).toBe(uploaded.bytesTotal);
    expect(await tree(join(remote, `up "it's" -dir`))).toEqual(await tree(source));
    expect(existsSync(join(sshd.dir, 'pwned'))).toBe(false);

    const back = join(home.path, 'downloaded here');
    await mkdir(back);
    const [downloadId] = await call('transfers:download', { workerId: worker.id, remotePaths: [join(remote, `up "it's" -dir`)], localDir: back });
    expect(await workbench.transfers.settled(downloadId!)).toMatchObject({ state: 'done', kind: 'folder', localPath: join(back, `up "it's" -dir`) });
    expect(await tree(join(back, `up "it's" -dir`))).toEqual(await tree(source));

    // The UI heard about it: the last event shows both done.
    await expect
      .poll(() => {
        const last = seen.filter((e) => e.topic === 'transfers:changed').at(-1)?.payload as TransferSnapshot | undefined;
        return last?.items.map((i) => [i.id, i.state]);
      })
      .toEqual([
        [uploadId, 'done'],
        [downloadId, 'done'],
      ]);
    subscriber.close();

    await call('transfers:clear-finished');
    expect((await call('transfers:list')).items).toEqual([]);
  });

  it('downloads into the app’s downloads folder by default', async () => {
    const remote = await remoteDir('dl');
    await writeFile(join(remote, 'result.csv'), 'a,b\n1,2\n');
    const [id] = await call('transfers:download', { workerId: worker.id, remotePaths: [join(remote, 'result.csv')] });
    await workbench.transfers.settled(id!);
    const { downloadDir } = await call('transfers:list');
    expect(downloadDir).toBe(join(dataDir, 'downloads'));
    expect(await readFile(join(downloadDir, 'result.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('waits on a conflict until it is answered; "apply to all" answers the others too', async () => {
    const local = join(home.path, 'conflicts');
    await mkdir(local);
    const remote = await remoteDir('conflicts');
    for (const name of ['one.txt', 'two.txt', 'three.txt']) {
      await writeFile(join(local, name), `new ${name}`);
      await writeFile(join(remote, name), `old ${name}`);
    }
    const first = await call('transfers:upload', { workerId: worker.id, localPaths: [join(local, 'one.txt')], remoteDir: remote });
    await expect.poll(async () => (await item(first[0]!)).state, { timeout: 10_000 }).toBe('waiting');
    expect((await item(first[0]!)).pendingConflict).toEqual({ path: join(remote, 'one.txt'), existingSize: 11, sourceSize: 11 });
    await call('transfers:resolve-conflict', { id: first[0]!, choice: 'rename' });
    expect(await workbench.transfers.settled(first[0]!)).toMatchObject({ state: 'done' });
    expect(await readFile(join(remote, 'one.txt'), 'utf8')).toBe('old one.txt');
    expect(await readFile(join(remote, 'one (1).txt'), 'utf8')).toBe('new one.txt');

    const [two, three] = await call('transfers:upload', { workerId: worker.id, localPaths: [join(local, 'two.txt'), join(local, 'three.txt')], remoteDir: remote });
    await expect.poll(async () => [(await item(two!)).state, (await item(three!)).state], { timeout: 10_000 }).toEqual(['waiting', 'waiting']);
    await call('transfers:resolve-conflict', { id: two!, choice: 'overwrite', applyToAll: true });
    await Promise.all([workbench.transfers.settled(two!), workbench.transfers.settled(three!)]);
    expect(await readFile(join(remote, 'two.txt'), 'utf8')).toBe('new two.txt');
    expect(await readFile(join(remote, 'three.txt'), 'utf8')).toBe('new three.txt');

    // Answering an item that is not waiting says so.
    await expect(call('transfers:resolve-conflict', { id: two!, choice: 'skip' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not waiting/) });
  });

  it('offers an interrupted upload again after the app is reopened, and resumes it from the bytes already there', async () => {
    const source = join(home.path, 'big.bin');
    const data = randomBytes(64 * 1024 * 1024);
    await writeFile(source, data);
    const remote = await remoteDir('resume');
    const moving = new Promise<void>((done) => {
      const subscriber = workbench.hub.connect((batch) => {
        for (const event of batch) {
          const found = (event.payload as TransferSnapshot).items[0];
          if (found && found.bytesDone > 0 && found.bytesDone < found.bytesTotal) {
            subscriber.close();
            done();
          }
        }
      });
      subscriber.subscribe({ topic: 'transfers:changed' });
    });
    const [id] = await call('transfers:upload', { workerId: worker.id, localPaths: [source], remoteDir: remote });
    await moving;
    await workbench.close();
    expect(existsSync(join(remote, `big.bin${PART_SUFFIX}`))).toBe(true);
    expect(existsSync(join(remote, 'big.bin'))).toBe(false);

    workbench = await open();
    const offered = await item(id!);
    expect(offered).toMatchObject({ id, state: 'interrupted', direction: 'upload', localPath: source, remotePath: join(remote, 'big.bin') });
    await call('transfers:retry', { id: id! });
    const done = await workbench.transfers.settled(id!);
    expect(done.state).toBe('done');
    // Continued, not started over: the part file's bytes counted without crossing again.
    expect(done.bytesReused).toBeGreaterThan(0);
    expect(done.bytesReused).toBeLessThan(data.length);
    expect((await readFile(join(remote, 'big.bin'))).equals(data)).toBe(true);
    expect(existsSync(join(remote, `big.bin${PART_SUFFIX}`))).toBe(false);

    // Done items are not kept for the next start.
    await workbench.close();
    workbench = await open();
    expect((await call('transfers:list')).items).toEqual([]);
  });

  it('runs again by itself, from the bytes already there, when a dropped connection comes back', async () => {
    const source = join(home.path, 'dropped.bin');
    const data = randomBytes(64 * 1024 * 1024);
    await writeFile(source, data);
    const remote = await remoteDir('drop');
    await call('workers:connect', { workerId: worker.id });
    const [id] = await call('transfers:upload', { workerId: worker.id, localPaths: [source], remoteDir: remote });
    await expect.poll(async () => (await item(id!)).bytesDone, { timeout: 20_000, interval: 20 }).toBeGreaterThan(0);
    // The network "drops": sshd's side of the connection dies, the listener stays.
    expect(await killSshSessions(sshd)).toBeGreaterThan(0);

    const done = await workbench.transfers.settled(id!);
    expect(done.state).toBe('done');
    // Only a second attempt, continuing from the part file, counts bytes it did not send.
    expect(done.bytesReused).toBeGreaterThan(0);
    expect((await readFile(join(remote, 'dropped.bin'))).equals(data)).toBe(true);
  });

  it('resuming a folder after a restart does not ask about files it already wrote', async () => {
    const source = join(home.path, 'three');
    await mkdir(source);
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await writeFile(join(source, name), `new ${name}`);
    const remote = await remoteDir('folder-resume');
    await mkdir(join(remote, 'three'));
    await writeFile(join(remote, 'three', 'b.txt'), 'old b');
    // Files go in name order: a.txt is written, then b.txt waits for an answer when the app closes.
    const [id] = await call('transfers:upload', { workerId: worker.id, localPaths: [source], remoteDir: remote });
    await expect.poll(async () => (await item(id!)).pendingConflict?.path, { timeout: 10_000 }).toBe(join(remote, 'three', 'b.txt'));
    await workbench.close();

    workbench = await open();
    expect((await item(id!)).state).toBe('interrupted');
    await call('transfers:retry', { id: id! });
    // The first question is about b.txt again, not about a.txt, which this transfer wrote.
    await expect.poll(async () => (await item(id!)).pendingConflict?.path, { timeout: 10_000 }).toBe(join(remote, 'three', 'b.txt'));
    await call('transfers:resolve-conflict', { id: id!, choice: 'overwrite' });
    expect(await workbench.transfers.settled(id!)).toMatchObject({ state: 'done' });
    expect(await tree(join(remote, 'three'))).toEqual(await tree(source));
  });

  it('refuses bad input with what to fix', async () => {
    await expect(call('transfers:upload', { workerId: worker.id, localPaths: ['relative/file'], remoteDir: '/tmp' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/absolute path/),
    });
    await expect(call('transfers:upload', { workerId: worker.id, localPaths: ['/tmp/a\0b'], remoteDir: '/tmp' })).rejects.toMatchObject({ message: expect.stringMatching(/NUL/) });
    await expect(call('transfers:upload', { workerId: worker.id, localPaths: [`${home.path}/..`], remoteDir: sshd.dir })).rejects.toMatchObject({ message: expect.stringMatching(/Cannot upload .* itself/) });
    await expect(call('transfers:download', { workerId: worker.id, remotePaths: ['/'] })).rejects.toMatchObject({ message: expect.stringMatching(/Cannot download \/ itself/) });
    await expect(call('transfers:upload', { workerId: 'local', localPaths: ['/tmp'], remoteDir: '/tmp' })).rejects.toMatchObject({ message: expect.stringMatching(/not reached over SSH/) });
    await expect(call('transfers:download', { workerId: worker.id, remotePaths: ['/etc/hostname'], localDir: join(home.path, 'missing') })).rejects.toMatchObject({
      message: expect.stringMatching(/is not a folder on this computer/),
    });
    await expect(call('transfers:retry', { id: 'tr-0000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // A missing source fails its own item clearly.
    const [id] = await call('transfers:upload', { workerId: worker.id, localPaths: [join(home.path, 'nothing here')], remoteDir: sshd.dir });
    const failed = await workbench.transfers.settled(id!);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND', message: expect.stringContaining('nothing here does not exist on this computer') } });
  });

  it('lists a local folder for the picker, refusing relative paths', async () => {
    await mkdir(join(home.path, 'pick me'));
    await writeFile(join(home.path, 'pick me', 'x.txt'), 'x');
    const listing = await call('local:list', { path: join(home.path, 'pick me') });
    expect(listing).toMatchObject({ path: join(home.path, 'pick me'), parent: home.path, entries: [{ name: 'x.txt', type: 'file', size: 1 }] });
    expect((await call('local:list', { path: '/' })).parent).toBeUndefined();
    await expect(call('local:list', { path: 'pick me' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/absolute path/) });
    await expect(call('local:list', { path: join(home.path, 'gone') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await stat(listing.home)).isDirectory()).toBe(true);
  });

  it('a folder of 30,000 entries lists the first 5,000 (folders first, by name) and says how many there are', async () => {
    const big = join(home.path, 'big folder');
    await mkdir(big);
    await mkdir(join(big, 'zz sub'));
    await symlink('/etc/passwd', join(big, 'a link'));
    const names = Array.from({ length: 30_000 }, (_, i) => `f${String(i).padStart(5, '0')}.txt`);
    for (let i = 0; i < names.length; i += 1000) await Promise.all(names.slice(i, i + 1000).map((name) => writeFile(join(big, name), 'x')));
    const listing = await call('local:list', { path: big });
    expect(listing.total).toBe(30_002);
    expect(listing.entries).toHaveLength(5000);
    expect(listing.entries[0]).toMatchObject({ name: 'zz sub', type: 'directory' });
    expect(listing.entries[1]).toMatchObject({ name: 'a link', type: 'symlink' });
    expect(listing.entries.slice(2).map((entry) => entry.name)).toEqual(names.slice(0, 4998));
    // A folder within the limit says nothing more.
    expect((await call('local:list', { path: join(big, 'zz sub') })).total).toBeUndefined();
  });
});
