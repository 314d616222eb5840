import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toWireError } from '../../../../../src/shared/errors.ts';
import { commandName } from '../../../../../src/main/services/credentials/credential-process.ts';
import { CredentialsService } from '../../../../../src/main/services/credentials/credentials-service.ts';
import { FileSecretStore, SafeStorageSecretStore } from '../../../../../src/main/services/credentials/secret-store.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

async function setup(options: { env?: Record<string, string>; secrets?: 'safe' | 'unavailable' | 'file' | 'none' } = {}) {
  const dir = await useTempDir('credentials');
  const config = join(dir, 'config');
  const credentials = join(dir, 'credentials');
  await writeFile(config, '[default]\nregion = eu-west-1\n\n[profile analyst]\nregion = us-west-2\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Analyst\n\n[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n\n[profile tool]\ncredential_process = /bin/false\n');
  await writeFile(credentials, '[default]\naws_access_key_id = AKIAEXAMPLEDEFAULT00\naws_secret_access_key = very-secret-default\n\n[ci]\naws_access_key_id = AKIAEXAMPLECI0000000\naws_secret_access_key = very-secret-ci\n');
  const env: NodeJS.ProcessEnv = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, ...options.env };
  const safe = (available: boolean) =>
    new SafeStorageSecretStore(
      { isEncryptionAvailable: () => available, encryptString: (s) => Buffer.from(s).reverse(), decryptString: (b) => Buffer.from(b).reverse().toString(), getSelectedStorageBackend: () => 'kwallet5' },
      join(dir, 'secrets'),
      'linux',
    );
  const secrets = { safe: safe(true), unavailable: safe(false), file: new FileSecretStore(join(dir, 'keys')), none: null }[options.secrets ?? 'none'];
  return { service: new CredentialsService(new DocumentStore(join(dir, 'data')), secrets, env), credentials, dir, secrets };
}

describe('CredentialsService', () => {
  it('lists the profiles of both shared files (SSO and credential_process too), names and regions only', async () => {
    const { service } = await setup();
    const all = await service.profiles();
    expect(all.profiles).toEqual([
      { ref: 'profile:analyst', name: 'analyst', source: 'shared-files', region: 'us-west-2' },
      { ref: 'profile:ci', name: 'ci', source: 'shared-files' },
      { ref: 'profile:default', name: 'default', source: 'shared-files', region: 'eu-west-1' },
      { ref: 'profile:tool', name: 'tool', source: 'shared-files' },
    ]);
    expect(JSON.stringify(all)).not.toMatch(/very-secret|AKIAEXAMPLE|awsapps/);
    expect(all.active).toBe('profile:default');
  });

  it('offers the environment credentials first when they are set', async () => {
    const { service } = await setup({ env: { AWS_ACCESS_KEY_ID: 'AKIAENVENVENVENV0000', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'ap-south-1' } });
    const all = await service.profiles();
    expect(all.profiles[0]).toEqual({ ref: 'env', name: 'Environment variables', source: 'environment', region: 'ap-south-1' });
  });

  it('sees a profile added to the file while it runs, and remembers the chosen one', async () => {
    const { service, credentials } = await setup();
    await writeFile(credentials, '[later]\naws_access_key_id = AKIAEXAMPLELATER0000\naws_secret_access_key = s\n', { flag: 'a' });
    expect((await service.profiles()).profiles.map((p) => p.name)).toContain('later');
    expect((await service.select('profile:later')).active).toBe('profile:later');
    await expect(service.select('profile:nope')).rejects.toThrow(/There is no AWS profile profile:nope/);
  });

  it('resolves a static profile through the SDK provider, re-reading the file each time', async () => {
    const { service, credentials } = await setup();
    expect(await (await service.provider('profile:ci'))()).toMatchObject({ accessKeyId: 'AKIAEXAMPLECI0000000', secretAccessKey: 'very-secret-ci' });
    await writeFile(credentials, '[ci]\naws_access_key_id = AKIAEXAMPLECIROTATED\naws_secret_access_key = rotated\n');
    expect(await (await service.provider('profile:ci'))()).toMatchObject({ accessKeyId: 'AKIAEXAMPLECIROTATED' });
  });

  it('refuses to store entered keys where nothing encrypts them (browser and CLI hosts), saying what to do instead', async () => {
    for (const secrets of ['none', 'file'] as const) {
      const { service } = await setup({ secrets });
      const all = await service.profiles();
      expect(all.canStoreKeys).toBe(false);
      expect(all.storeKeysMessage).toMatch(/only kept by the desktop app.*aws configure/);
      await expect(service.storeKeys({ name: 'mine', accessKeyId: 'AKIAEXAMPLEMINE00000', secretAccessKey: 'x'.repeat(40) })).rejects.toThrow(/The keys were not stored\. Keys entered in the app are only kept by the desktop app/);
    }
  });

  it('refuses in Electron when safeStorage cannot encrypt', async () => {
    const { service } = await setup({ secrets: 'unavailable' });
    const all = await service.profiles();
    expect(all.canStoreKeys).toBe(false);
    await expect(service.storeKeys({ name: 'mine', accessKeyId: 'AKIAEXAMPLEMINE00000', secretAccessKey: 'x'.repeat(40) })).rejects.toThrow(/no encryption/);
  });

  it('stores entered keys encrypted; they are a profile by name only, usable, and removable', async () => {
    const { service } = await setup({ secrets: 'safe' });
    const all = await service.storeKeys({ name: 'mine', accessKeyId: 'AKIAEXAMPLEMINE00000', secretAccessKey: 'x'.repeat(40), region: 'eu-central-1' });
    expect(all.profiles.at(-1)).toEqual({ ref: 'stored:mine', name: 'mine', source: 'app', region: 'eu-central-1' });
    expect(JSON.stringify(all)).not.toContain('AKIAEXAMPLEMINE');
    expect(await (await service.provider('stored:mine'))()).toEqual({ accessKeyId: 'AKIAEXAMPLEMINE00000', secretAccessKey: 'x'.repeat(40) });
    const after = await service.removeKeys('mine');
    expect(after.profiles.map((p) => p.ref)).not.toContain('stored:mine');
    await expect(service.provider('stored:mine')).rejects.toThrow(/no longer stored/);
  });

  it('reports a failing credential_process by its program name only: never its arguments nor what it printed', async () => {
    const { service, dir } = await setup({ env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' } });
    const script = join(dir, 'get-creds');
    await writeFile(script, '#!/bin/sh\necho "debug: using token fake-secret-on-stderr" >&2\necho "{\\"Version\\": 1, \\"SecretAccessKey\\": \\"fake-secret-on-stdout\\"" \nexit 1\n');
    await chmod(script, 0o755);
    await writeFile(join(dir, 'config'), `[profile leaky]\ncredential_process = ${script} --password fake-secret-in-args\n`, { flag: 'a' });
    const err = await service.identity('profile:leaky').catch((e: unknown) => e);
    const wire = toWireError(err);
    expect(wire).toEqual({
      code: 'AUTH_FAILED',
      message: `The credential_process of profile leaky failed, so there are no credentials to use. Run it in a terminal to see why: ${script}`,
      retryable: false,
    });
    expect(JSON.stringify(wire)).not.toContain('fake-secret');
    expect((err as Error).cause).toBeUndefined();
  });

  it('names the program of a credential_process however it is quoted', () => {
    expect(commandName('aws-vault export --format=json ci')).toBe('aws-vault');
    expect(commandName('  "/opt/my tools/get-creds" --token abc')).toBe('/opt/my tools/get-creds');
    expect(commandName("'/opt/my tools/get-creds' --token abc")).toBe('/opt/my tools/get-creds');
  });

  it('reports stored keys it cannot read without quoting them', async () => {
    const { service, secrets } = await setup({ secrets: 'safe' });
    await service.storeKeys({ name: 'mine', accessKeyId: 'AKIAEXAMPLEMINE00000', secretAccessKey: 'x'.repeat(40) });
    await secrets?.set(`aws-keys-${Buffer.from('mine').toString('hex')}`, 'fake-secret-kept-as-plain-text');
    const err = await service.provider('stored:mine').catch((e: unknown) => e);
    expect(JSON.stringify(toWireError(err))).not.toContain('fake-secre');
    expect(toWireError(err)).toEqual({ code: 'CORRUPT_DATA', message: 'The stored keys "mine" are unreadable; enter them again in Settings → AWS.', retryable: false });
  });
});
