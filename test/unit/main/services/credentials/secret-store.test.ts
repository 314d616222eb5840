import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSecretStore, SafeStorageSecretStore, type SafeStorageLike } from '../../../../../src/main/services/credentials/secret-store.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/** Electron's safeStorage, mocked: "encrypts" by reversing and tagging, so ciphertext differs from the secret. */
function fakeSafeStorage(available: boolean, backend = 'gnome_libsecret'): SafeStorageLike & { encrypted: string[] } {
  const encrypted: string[] = [];
  return {
    encrypted,
    isEncryptionAvailable: () => available,
    encryptString: (plain) => {
      encrypted.push(plain);
      return Buffer.from(`enc:${[...plain].reverse().join('')}`);
    },
    decryptString: (cipher) => [...cipher.toString().slice(4)].reverse().join(''),
    getSelectedStorageBackend: () => backend,
  };
}

describe('SafeStorageSecretStore (Electron safeStorage, mocked)', () => {
  it('stores only ciphertext, 0600, and reads it back', async () => {
    const dir = await useTempDir('secrets');
    const store = new SafeStorageSecretStore(fakeSafeStorage(true), dir, 'linux');
    expect(store.encrypted).toBe(true);
    expect(store.unavailableReason()).toBeUndefined();
    await store.set('aws-keys-ci', 'SECRET-VALUE');
    const [file] = await readdir(dir);
    expect(file).toBe('aws-keys-ci.enc');
    expect(await readFile(join(dir, file ?? ''), 'utf8')).not.toContain('SECRET-VALUE');
    expect((await stat(join(dir, file ?? ''))).mode & 0o777).toBe(0o600);
    expect(await store.get('aws-keys-ci')).toBe('SECRET-VALUE');
    await store.delete('aws-keys-ci');
    expect(await store.get('aws-keys-ci')).toBeUndefined();
  });

  it('refuses to store when the OS offers no encryption, saying why, and writes nothing', async () => {
    const dir = await useTempDir('secrets');
    const safe = fakeSafeStorage(false);
    const store = new SafeStorageSecretStore(safe, dir, 'darwin');
    expect(store.unavailableReason()).toMatch(/no encryption.*does not store secrets in plain text/);
    await expect(store.set('aws-keys-ci', 'SECRET')).rejects.toThrow(/Not stored: The operating system offers no encryption/);
    expect(safe.encrypted).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("refuses Linux's basic_text backend (a fixed key is plain text in disguise)", async () => {
    const dir = await useTempDir('secrets');
    const store = new SafeStorageSecretStore(fakeSafeStorage(true, 'basic_text'), dir, 'linux');
    expect(store.unavailableReason()).toMatch(/No desktop keyring.*basic_text.*refuses/);
    await expect(store.set('x', 'SECRET')).rejects.toThrow(/Not stored/);
  });

  it('refuses names that could escape its folder', async () => {
    const store = new SafeStorageSecretStore(fakeSafeStorage(true), await useTempDir('secrets'), 'linux');
    await expect(store.set('../evil', 'x')).rejects.toThrow(/Bad secret name/);
    await expect(store.get('a/b')).rejects.toThrow(/Bad secret name/);
  });
});

describe('FileSecretStore (browser and CLI hosts: worker keys only)', () => {
  it('keeps each secret in a 0600 file in a 0700 folder', async () => {
    const dir = join(await useTempDir('keys'), 'keys');
    const store = new FileSecretStore(dir);
    expect(store.encrypted).toBe(false);
    await store.set('worker-key-ec2-abcd1234', 'PRIVATE');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'worker-key-ec2-abcd1234'))).mode & 0o777).toBe(0o600);
    expect(await store.get('worker-key-ec2-abcd1234')).toBe('PRIVATE');
    await store.delete('worker-key-ec2-abcd1234');
    expect(await store.get('worker-key-ec2-abcd1234')).toBeUndefined();
  });
});
