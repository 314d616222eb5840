import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../../../src/shared/protocol.ts';
import type { TerminalData, WorkerInfo, WorkerState } from '../../../../../src/shared/worker-model.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { SshTransport } from '../../../../../src/main/services/ssh/ssh-transport.ts';
import { launchRun, readExitCode, readLog } from '../../../../../src/main/services/jobs/job-protocol.ts';
import { killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { startSshd, type Sshd } from '../../../../fixtures/sshd.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

let target: Sshd;
let jump: Sshd;
let home: TempDir;
let workbench: Workbench;
let dataDir: string;

beforeAll(async () => {
  [target, jump] = await Promise.all([startSshd(), startSshd()]);
});
afterAll(async () => {
  await Promise.all([target?.stop(), jump?.stop()]);
});

beforeEach(async () => {
  home = await makeTempDir('ssh-workers');
  dataDir = join(home.path, 'data');
  await writeFile(join(home.path, 'user-ssh-config'), '');
  workbench = await createWorkbench({ dataDir, host: 'web', resourcesDir: resolve('resources') });
  await writeFile(
    join(dataDir, 'ssh_config'),
    [
      'Host box',
      '  HostName 127.0.0.1',
      `  Port ${target.port}`,
      `  User ${target.username}`,
      `  IdentityFile ${target.privateKeyPath}`,
      'Host jumpbox',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      `  User ${jump.username}`,
      `  IdentityFile ${jump.privateKeyPath}`,
      'Host behind-jump',
      '  HostName 127.0.0.1',
      `  Port ${target.port}`,
      `  IdentityFile ${target.privateKeyPath}`,
      '  ProxyJump jumpbox',
      'Host outside',
      '  HostName 192.0.2.44',
      `  IdentityFile ${target.privateKeyPath}`,
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  await workbench.close();
  await home.cleanup();
});

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const call = callerOf(() => workbench);

function events() {
  const seen: EventEnvelope[] = [];
  const subscriber = workbench.hub.connect((batch) => seen.push(...batch));
  for (const topic of ['workers:state', 'workers:host-key', 'terminal:data']) subscriber.subscribe({ topic });
  return { seen, close: () => subscriber.close() };
}

async function addAndTrust(name: string, host: string): Promise<WorkerInfo> {
  const worker = await call('workers:add-ssh', { name, host });
  await expect(call('workers:connect', { workerId: worker.id })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
  const pending = await call('workers:pending-host-key', { workerId: worker.id });
  return call('workers:trust-host-key', { workerId: worker.id, fingerprint: pending!.fingerprint });
}

describe('SSH host workers', () => {
  it('asks about an unknown host key with its fingerprint, then trusts exactly that key', async () => {
    const watch = events();
    const worker = await call('workers:add-ssh', { name: 'box', host: 'box' });
    expect(worker).toMatchObject({ kind: 'ssh', host: 'box', state: 'disconnected' });
    const refused = await call('workers:connect', { workerId: worker.id }).catch((e: Error & { code: string }) => e);
    expect(refused).toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    expect((refused as Error).message).toContain(target.hostKeyFingerprint);

    const pending = await call('workers:pending-host-key', { workerId: worker.id });
    expect(pending).toMatchObject({ host: '127.0.0.1', port: target.port, keyType: 'ssh-ed25519', fingerprint: target.hostKeyFingerprint });
    await expect.poll(() => watch.seen.some((e) => e.topic === 'workers:host-key')).toBe(true);

    // A fingerprint other than the one shown trusts nothing.
    await expect(call('workers:trust-host-key', { workerId: worker.id, fingerprint: `SHA256:${'A'.repeat(43)}` })).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    const connected = await call('workers:trust-host-key', { workerId: worker.id, fingerprint: target.hostKeyFingerprint });
    expect(connected.state).toBe('connected');
    expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toBe(`[127.0.0.1]:${target.port} ${target.hostPublicKey}\n`);
    const states = () => watch.seen.filter((e) => e.topic === 'workers:state').map((e) => (e.payload as WorkerState).state);
    await expect.poll(() => states().at(-1)).toBe('connected');
    expect(states()).toContain('connecting');
    watch.close();
  });

  it('refuses a host whose key changed, loudly, and never asks to accept it', async () => {
    const worker = await call('workers:add-ssh', { name: 'box', host: 'box' });
    // known_hosts holds another key for this host:port (the jump fixture's).
    await writeFile(join(dataDir, 'known_hosts'), `[127.0.0.1]:${target.port} ${jump.hostPublicKey}\n`);
    const refused = await call('workers:connect', { workerId: worker.id }).catch((e: Error & { code: string }) => e);
    expect(refused).toMatchObject({ code: 'HOST_KEY_CHANGED' });
    expect((refused as Error).message).toMatch(/WARNING: the host key .* has changed/);
    expect((refused as Error).message).toContain(jump.hostKeyFingerprint);
    const pending = await call('workers:pending-host-key', { workerId: worker.id });
    expect(pending?.changedFrom).toBe(jump.hostKeyFingerprint);
    await expect(call('workers:trust-host-key', { workerId: worker.id, fingerprint: target.hostKeyFingerprint })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toBe(`[127.0.0.1]:${target.port} ${jump.hostPublicKey}\n`);
  });

  it('connects through a ProxyJump host, and fails clearly when the jump host is gone', async () => {
    await writeFile(join(dataDir, 'known_hosts'), `[127.0.0.1]:${target.port} ${target.hostPublicKey}\n[127.0.0.1]:${jump.port} ${jump.hostPublicKey}\n`);
    const worker = await call('workers:add-ssh', { name: 'inner', host: 'behind-jump' });
    expect((await call('workers:connect', { workerId: worker.id })).state).toBe('connected');
    const listing = await call('files:list', { workerId: worker.id, path: target.dir });
    expect(listing.entries.map((e) => e.name)).toContain('sshd_config');
    await call('workers:disconnect', { workerId: worker.id });

    const stopped = await startSshd();
    await stopped.stop(); // a port where nothing listens now
    await writeFile(join(dataDir, 'ssh_config'), (await readFile(join(dataDir, 'ssh_config'), 'utf8')).replace(`Port ${jump.port}`, `Port ${stopped.port}`));
    const failed = await call('workers:connect', { workerId: worker.id }).catch((e: Error & { code: string }) => e);
    expect(failed).toMatchObject({ code: 'UNAVAILABLE' });
    expect((failed as Error).message).toContain(`127.0.0.1:${stopped.port}`);
  });

  it('says clearly when the login is refused, the host is unreachable or outside loopback', async () => {
    await writeFile(join(dataDir, 'known_hosts'), `[127.0.0.1]:${target.port} ${target.hostPublicKey}\n`);
    const wrongUser = await call('workers:add-ssh', { name: 'wrong-user', host: 'box', user: 'nobody' });
    await expect(call('workers:connect', { workerId: wrongUser.id })).rejects.toMatchObject({ code: 'AUTH_FAILED', message: expect.stringMatching(/refused the login as nobody with 1 key/) });
    const outside = await call('workers:add-ssh', { name: 'outside', host: 'outside' });
    await expect(call('workers:connect', { workerId: outside.id })).rejects.toMatchObject({ code: 'LOOPBACK_ONLY' });
    await expect(call('workers:add-ssh', { name: 'bad name', host: 'box' })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/name/) });
    await expect(call('workers:add-ssh', { name: 'dash', host: '-oProxyCommand=touch' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(call('workers:add-ssh', { name: 'box-2', host: 'box', port: 70000 })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/port/) });
  });

  it('browses files: lists, creates, renames and deletes names with spaces, quotes, newlines and leading dashes', async () => {
    const worker = await addAndTrust('box', 'box');
    const base = join(target.dir, 'browse');
    await call('files:mkdir', { workerId: worker.id, path: base });
    const awkward = ["it's a \"folder\"", '-rf', 'new\nline', 'ünïcode ✓'];
    for (const name of awkward) await call('files:mkdir', { workerId: worker.id, path: join(base, name) });
    let listing = await call('files:list', { workerId: worker.id, path: base });
    expect(listing.entries.map((e) => e.name).sort()).toEqual([...awkward].sort());
    expect(listing.entries.every((e) => e.type === 'directory')).toBe(true);

    await call('files:rename', { workerId: worker.id, from: join(base, '-rf'), to: join(base, '--renamed') });
    await expect(call('files:rename', { workerId: worker.id, from: join(base, 'new\nline'), to: join(base, '--renamed') })).rejects.toMatchObject({ message: expect.stringMatching(/already exists/) });
    for (const name of ['--renamed', "it's a \"folder\"", 'new\nline', 'ünïcode ✓']) await call('files:delete', { workerId: worker.id, path: join(base, name) });
    listing = await call('files:list', { workerId: worker.id, path: base });
    expect(listing.entries).toEqual([]);
    // The folder holding them is still there: nothing was deleted by a name taken as an option.
    expect((await call('files:list', { workerId: worker.id, path: target.dir })).entries.map((e) => e.name)).toContain('browse');

    await expect(call('files:list', { workerId: worker.id, path: join(base, 'missing') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(call('files:delete', { workerId: worker.id, path: '/' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('runs a terminal: what is typed is executed, and output comes back as events', async () => {
    const worker = await addAndTrust('box', 'box');
    const watch = events();
    const { terminalId } = await call('terminal:open', { workerId: worker.id, cols: 80, rows: 24 });
    await call('terminal:input', { terminalId, data: 'echo workbench-$((6*7))\n' });
    await expect
      .poll(() => watch.seen.filter((e) => e.topic === 'terminal:data').map((e) => (e.payload as TerminalData).data).join(''), { timeout: 10_000 })
      .toContain('workbench-42');
    await call('terminal:resize', { terminalId, cols: 120, rows: 40 });
    await call('terminal:input', { terminalId, data: 'stty size\n' });
    await expect.poll(() => watch.seen.map((e) => (e.payload as TerminalData).data ?? '').join(''), { timeout: 10_000 }).toContain('40 120');
    await call('terminal:close', { terminalId });
    await expect(call('terminal:input', { terminalId, data: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    watch.close();
  });

  it('reconnects after the connection drops, and gives open terminals a new shell', async () => {
    const worker = await addAndTrust('box', 'box');
    const watch = events();
    const { terminalId } = await call('terminal:open', { workerId: worker.id, cols: 80, rows: 24 });
    await killSshSessions(target);
    const states = () => watch.seen.filter((e) => e.topic === 'workers:state').map((e) => (e.payload as WorkerState).state);
    await expect.poll(states, { timeout: 10_000 }).toContain('reconnecting');
    await expect.poll(() => states().at(-1), { timeout: 20_000 }).toBe('connected');
    const output = () => watch.seen.filter((e) => e.topic === 'terminal:data').map((e) => (e.payload as TerminalData).data).join('');
    await expect.poll(output, { timeout: 10_000 }).toContain('[reconnected: this is a new shell]');
    await call('terminal:input', { terminalId, data: 'echo back-$((40+2))\n' });
    await expect.poll(output, { timeout: 10_000 }).toContain('back-42');
    watch.close();
  });

  it('runs the job protocol over SSH exactly as on this computer', async () => {
    const worker = await addAndTrust('box', 'box');
    const endpoint = await workbench.workers.registry.endpoint(worker.id);
    const transport = new SshTransport(() => workbench.ssh.connections.client(endpoint), join(target.dir, 'workbench'));
    const runDir = join(transport.root, 'runs', '20261129-120000-abcdef');
    await transport.mkdir(runDir);
    await transport.exec(['cp', resolve('resources/worker/launch.sh'), join(transport.root, 'launch.sh')]);
    await launchRun(transport, transport.root, runDir, 30, ['sh', '-c', 'for i in 1 2 3; do echo "line $i: $0"; done; exit 7', "it's \"quoted\""]);
    await expect.poll(() => readExitCode(transport, runDir), { timeout: 10_000 }).toBe(7);
    const log = await readLog(transport, runDir, 0, 1 << 20);
    expect(log?.data.toString()).toBe(`line 1: it's "quoted"\nline 2: it's "quoted"\nline 3: it's "quoted"\n`);
    const tail = await transport.readFrom(join(runDir, 'log'), 8, 6);
    expect(tail?.data.toString()).toBe(`it's "`);
    expect(await transport.exists(join(runDir, 'nope'))).toBe(false);
  });
});
