import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { WorkerInfo } from '../../../src/shared/worker-model.ts';
import { runCliProcess } from '../../fixtures/cli-process.ts';
import { appDirWithSshWorker } from '../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';

describe('trusting a new host key from the command line (against sshd)', () => {
  const sshd = useSshd();
  let appDir: string;
  let worker: WorkerInfo;

  beforeEach(async () => {
    // The host is reachable by its alias but its key is not known yet.
    ({ appDir, worker } = await appDirWithSshWorker(await useTempDir('cli-trust'), sshd, { trusted: false }));
  });

  const cli = (...args: string[]) => runCliProcess([...args, '--data-dir', appDir]);
  const knownHosts = () => readFile(join(appDir, 'known_hosts'), 'utf8').catch(() => '(none)');

  it('the refusal says which command trusts the key, and that command does it in a process of its own', async () => {
    const refused = await cli('call', 'workers:connect', JSON.stringify({ workerId: worker.id }));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`127.0.0.1:${sshd.port} is not known yet. Its ssh-ed25519 key has the fingerprint ${sshd.hostKeyFingerprint}`);
    expect(refused.stderr).toContain(`workbench worker trust box --fingerprint ${sshd.hostKeyFingerprint}`);

    // Another fingerprint than the host's trusts nothing.
    const wrong = await cli('worker', 'trust', 'box', '--fingerprint', `SHA256:${'A'.repeat(43)}`);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`The host's key is ${sshd.hostKeyFingerprint}, not SHA256:${'A'.repeat(43)}; nothing was trusted.`);
    expect(await knownHosts()).toBe('(none)');

    const trusted = await cli('worker', 'trust', 'box', '--fingerprint', sshd.hostKeyFingerprint);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout).toBe(`The host key ${sshd.hostKeyFingerprint} of box is trusted; connected.\n`);
    expect(await knownHosts()).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);

    const connected = await cli('call', 'workers:connect', JSON.stringify({ workerId: worker.id }));
    expect(connected.code, connected.stderr).toBe(0);
    expect(JSON.parse(connected.stdout)).toMatchObject({ state: 'connected' });
    // Trusting again is a no-op for the same key, and a refusal for another.
    expect((await cli('worker', 'trust', worker.id, '--fingerprint', sshd.hostKeyFingerprint)).code).toBe(0);
    const other = await cli('worker', 'trust', 'box', '--fingerprint', `SHA256:${'B'.repeat(43)}`);
    expect(other.stderr).toContain(`The host's key is ${sshd.hostKeyFingerprint} (trusted already), not SHA256:${'B'.repeat(43)}; nothing was changed.`);
    expect(await knownHosts()).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
  });

  it('the contract call works from a new process too, and bad arguments say what to write', async () => {
    const trusted = await cli('call', 'workers:trust-host-key', JSON.stringify({ workerId: worker.id, fingerprint: sshd.hostKeyFingerprint }));
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(await knownHosts()).toBe(`[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);

    const missing = await cli('worker', 'trust', 'box');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("trust needs the worker's NAME and --fingerprint SHA256:...");
    const malformed = await cli('worker', 'trust', 'box', '--fingerprint', 'abc');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--fingerprint takes a key\'s SHA256 fingerprint as ssh-keygen -l prints it (SHA256: and 43 characters), not "abc".');
    const nobody = await cli('worker', 'trust', 'nope', '--fingerprint', sshd.hostKeyFingerprint);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain(`There is no worker "nope". Workers: box (${worker.id}).`);
  });
});
