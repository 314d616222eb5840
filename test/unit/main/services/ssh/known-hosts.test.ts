import { createHmac, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprint, KnownHosts, keyTypeOf } from '../../../../../src/main/services/ssh/known-hosts.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/** An SSH public key blob of the given type with random key bytes. */
function keyBlob(type = 'ssh-ed25519'): Buffer {
  const name = Buffer.from(type);
  const key = randomBytes(32);
  const out = Buffer.alloc(4 + name.length + 4 + key.length);
  out.writeUInt32BE(name.length, 0);
  name.copy(out, 4);
  out.writeUInt32BE(key.length, 4 + name.length);
  key.copy(out, 8 + name.length);
  return out;
}

describe('KnownHosts', () => {
  it('knows nothing at first, then matches what was added, by host and port', async () => {
    const path = join(await useTempDir('known-hosts'), 'known_hosts');
    const hosts = new KnownHosts(path);
    const key = keyBlob();
    expect(await hosts.check('127.0.0.1', 2222, key)).toEqual({ kind: 'unknown' });
    await hosts.add('127.0.0.1', 2222, key);
    expect(await hosts.check('127.0.0.1', 2222, key)).toEqual({ kind: 'match' });
    expect(await hosts.check('127.0.0.1', 2223, key)).toEqual({ kind: 'unknown' });
    expect(await readFile(path, 'utf8')).toBe(`[127.0.0.1]:2222 ssh-ed25519 ${key.toString('base64')}\n`);
  });

  it('refuses a changed key and names the one it knew', async () => {
    const path = join(await useTempDir('known-hosts'), 'known_hosts');
    const hosts = new KnownHosts(path);
    const old = keyBlob();
    await hosts.add('box', 22, old);
    expect(await hosts.check('box', 22, keyBlob())).toEqual({ kind: 'changed', knownFingerprint: fingerprint(old) });
    // Another key type of a known host is not trusted either.
    expect((await hosts.check('box', 22, keyBlob('ecdsa-sha2-nistp256'))).kind).toBe('changed');
  });

  it('reads hashed names and honours @revoked', async () => {
    const dir = await useTempDir('known-hosts');
    const key = keyBlob();
    const revoked = keyBlob();
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[h.example]:2200').digest('base64')}`;
    await writeFile(join(dir, 'known_hosts'), `# comment\n${hashed} ssh-ed25519 ${key.toString('base64')}\n@revoked * ssh-ed25519 ${revoked.toString('base64')}\n`);
    const hosts = new KnownHosts(join(dir, 'known_hosts'));
    expect(await hosts.check('h.example', 2200, key)).toEqual({ kind: 'match' });
    expect(await hosts.check('other', 22, key)).toEqual({ kind: 'unknown' });
    expect(await hosts.check('anything', 22, revoked)).toMatchObject({ kind: 'changed', revoked: true });
  });

  it('forgets the lines it wrote for a host and port, and leaves every line the user wrote', async () => {
    const dir = await useTempDir('known-hosts');
    const path = join(dir, 'known_hosts');
    const [gone, other, shared] = [keyBlob(), keyBlob(), keyBlob()];
    const users = `# mine\nmaster.example,alias ssh-ed25519 ${shared.toString('base64')}\n@revoked [master.example]:2200 ssh-ed25519 ${other.toString('base64')}\n`;
    await writeFile(path, users);
    const hosts = new KnownHosts(path);
    await hosts.add('master.example', 2200, gone);
    await hosts.add('master.example', 22, other);
    expect(await hosts.remove('master.example', 2200)).toBe(1);
    expect(await readFile(path, 'utf8')).toBe(`${users}master.example ssh-ed25519 ${other.toString('base64')}\n`);
    expect(await hosts.check('master.example', 2200, gone)).toEqual({ kind: 'unknown' });
    expect(await hosts.remove('master.example', 2200)).toBe(0);
  });

  it('computes fingerprints and key types as ssh-keygen does', () => {
    const key = keyBlob();
    expect(keyTypeOf(key)).toBe('ssh-ed25519');
    expect(fingerprint(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
