import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ExpiryWatch } from '../../../../../../src/main/services/workers/expiry-watch.ts';
import { generateEd25519 } from '../../../../../../src/main/services/workers/ec2/keys.ts';
import { mergeRecords, toWorker } from '../../../../../../src/main/services/workers/ec2/reconcile.ts';
import type { Ec2Record } from '../../../../../../src/main/services/workers/ec2/ec2-store.ts';
import { renderUserData } from '../../../../../../src/main/services/workers/ec2/user-data.ts';
import type { Ec2Warning } from '../../../../../../src/shared/ec2-model.ts';
import { useTempDir } from '../../../../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const CLOUD_INIT = join(process.cwd(), 'resources', 'worker', 'cloud-init');

describe('per-worker ed25519 keys', () => {
  it('are OpenSSH keys that ssh-keygen and ssh2 both read, fresh each time', async () => {
    const key = generateEd25519('workbench-ec2-abcd1234');
    expect(key.privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END OPENSSH PRIVATE KEY-----\n$/);
    const dir = await useTempDir('keys');
    await writeFile(join(dir, 'id'), key.privateKey, { mode: 0o600 });
    const { stdout } = await run('ssh-keygen', ['-y', '-f', join(dir, 'id')]);
    expect(stdout.trim()).toBe(key.publicKey);
    const parsed = ssh2.utils.parseKey(key.privateKey);
    if (parsed instanceof Error) throw parsed;
    const first = Array.isArray(parsed) ? parsed[0] : parsed;
    expect(first?.getPublicSSH().equals(key.blob)).toBe(true);
    expect(generateEd25519('x').publicKey).not.toBe(generateEd25519('x').publicKey);
  });
});

describe('user-data', () => {
  it('is valid cloud-config carrying the deadline, both public keys and the host private key', async () => {
    const host = generateEd25519('h');
    const user = generateEd25519('u');
    const deadline = new Date('2026-11-30T10:00:00.000Z');
    const text = await renderUserData(CLOUD_INIT, { name: 'w1', deadline, hostPrivateKey: host.privateKey, hostPublicKey: host.publicKey, userPublicKey: user.publicKey });
    expect(text).not.toMatch(/\{\{/);
    expect(text).toContain('content: "1796032800\\n"');
    expect(text).toContain(`ed25519_public: ${host.publicKey}\n`);
    expect(text).toContain(`  - ${user.publicKey}\n`);
    expect(text).not.toContain(user.privateKey.split('\n')[3]);
    // It parses as cloud-init parses it (PyYAML's safe_load), to the structure cloud-init expects.
    const dir = await useTempDir('user-data');
    await writeFile(join(dir, 'user-data'), text);
    const { stdout } = await run('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', join(dir, 'user-data')]);
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc['ssh_keys']).toEqual({ ed25519_private: host.privateKey, ed25519_public: host.publicKey });
    expect(doc['ssh_authorized_keys']).toEqual([user.publicKey]);
    expect(doc['packages']).toEqual(['python3', 'python3-boto3']);
    const files = doc['write_files'] as { path: string; content: string; permissions: string }[];
    expect(files.find((f) => f.path === '/etc/workbench/deadline')?.content).toBe('1796032800\n');
    const script = files.find((f) => f.path === '/usr/local/sbin/workbench-deadline');
    expect(script?.permissions).toBe('0755');
    expect(script?.content.trimEnd()).toBe((await readFile(join(CLOUD_INIT, 'workbench-deadline.sh'), 'utf8')).trimEnd());
    expect(files.some((f) => f.path.startsWith('/var/lib/cloud/scripts/per-boot/'))).toBe(true);
    expect(String((doc['bootcmd'] as string[][])[0]?.[2])).toContain('echo 1796032800');
  });

  it('refuses values that would change the document (a line break in a name)', async () => {
    const key = generateEd25519('k');
    await expect(renderUserData(CLOUD_INIT, { name: 'a\nruncmd: [reboot]', deadline: new Date(), hostPrivateKey: key.privateKey, hostPublicKey: key.publicKey, userPublicKey: key.publicKey })).rejects.toThrow(/cannot go into user-data/);
  });
});

describe('ExpiryWatch', () => {
  const deadline = '2026-11-29T12:00:00.000Z';
  const at = (minutesBefore: number) => new Date(Date.parse(deadline) - minutesBefore * 60_000);

  it('warns at 60 and 15 minutes, once each; a worker first seen late gets only the nearer warning', () => {
    const seen: Ec2Warning[] = [];
    const watch = new ExpiryWatch((w) => seen.push(w));
    const workers = [
      { id: 'ec2-aaaaaaaa', name: 'a', deadline, live: true },
      { id: 'ec2-bbbbbbbb', name: 'b', deadline, live: false },
    ];
    watch.check(workers, at(90));
    watch.check(workers, at(60));
    watch.check(workers, at(45));
    watch.check(workers, at(15));
    watch.check(workers, at(1));
    watch.check(workers, at(-5));
    expect(seen.map((w) => [w.workerId, w.minutesLeft])).toEqual([
      ['ec2-aaaaaaaa', 60],
      ['ec2-aaaaaaaa', 15],
    ]);
    const late: Ec2Warning[] = [];
    new ExpiryWatch((w) => late.push(w)).check([{ id: 'ec2-cccccccc', name: 'c', deadline, live: true }], at(10));
    expect(late.map((w) => w.minutesLeft)).toEqual([10]);
  });

  it('warns again after an extension moves the deadline', () => {
    const seen: Ec2Warning[] = [];
    const watch = new ExpiryWatch((w) => seen.push(w));
    watch.check([{ id: 'ec2-aaaaaaaa', name: 'a', deadline, live: true }], at(14));
    const later = new Date(Date.parse(deadline) + 3_600_000).toISOString();
    watch.check([{ id: 'ec2-aaaaaaaa', name: 'a', deadline: later, live: true }], at(14));
    watch.check([{ id: 'ec2-aaaaaaaa', name: 'a', deadline: later, live: true }], new Date(Date.parse(later) - 50 * 60_000));
    expect(seen.map((w) => w.deadline)).toEqual([deadline, later]);
  });
});

describe('reconcile', () => {
  const now = new Date('2026-11-29T12:00:00.000Z');
  const record = (patch: Partial<Ec2Record>): Ec2Record => ({
    id: 'ec2-aaaaaaaa',
    name: 'a',
    region: 'us-east-1',
    instanceType: 't3.medium',
    profile: 'profile:default',
    clientToken: 't',
    launchedAt: '2026-11-29T11:00:00.000Z',
    deadline: '2026-11-29T13:00:00.000Z',
    sshUser: 'ubuntu',
    hostPublicKey: 'ssh-ed25519 AAAA h',
    hasKey: true,
    state: 'running',
    adopted: false,
    ...patch,
  });

  it('marks a known instance AWS no longer lists as terminated, and a launch that never happened as failed', () => {
    const merged = mergeRecords(
      [record({ instanceId: 'i-1' }), record({ id: 'ec2-bbbbbbbb', state: 'launching', launchedAt: '2026-11-29T11:00:00.000Z' })],
      new Map([['us-east-1', []]]),
      'profile:default',
      now,
    );
    expect(merged.map((r) => [r.id, r.state])).toEqual([
      ['ec2-aaaaaaaa', 'terminated'],
      ['ec2-bbbbbbbb', 'unknown'],
    ]);
    expect(merged[1]?.message).toMatch(/launch did not complete/);
  });

  it('leaves regions it did not ask alone, and forgets terminated workers a day after their deadline', () => {
    const merged = mergeRecords(
      [record({ region: 'eu-west-1', instanceId: 'i-1' }), record({ id: 'ec2-cccccccc', state: 'terminated', deadline: '2026-11-28T10:00:00.000Z' })],
      new Map([['us-east-1', []]]),
      'profile:default',
      now,
    );
    expect(merged.map((r) => [r.id, r.state])).toEqual([['ec2-aaaaaaaa', 'running']]);
  });

  it('shows time left and cost so far; past the deadline and running is overdue', () => {
    expect(toWorker(record({}), now)).toMatchObject({ secondsLeft: 3600, costUsd: 0.0416, overdue: false, reachable: true });
    const late = toWorker(record({}), new Date('2026-11-29T13:30:00.000Z'));
    expect(late).toMatchObject({ secondsLeft: 0, overdue: true, costUsd: 0.104 });
  });
});
