import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createFakeElectron } from './fake-electron.ts';

const userData = await mkdtemp(join(tmpdir(), 'workbench-electron-aws-'));
const fake = createFakeElectron(userData);
Object.defineProperty(process, 'resourcesPath', { value: '/opt/analysis-workbench/resources', configurable: true });
vi.mock('electron', () => fake.electron);

describe('the Electron host with no OS keychain (safeStorage mocked as unavailable)', () => {
  beforeAll(async () => {
    // Hermetic AWS files: the machine's ~/.aws is never read.
    await writeFile(join(userData, 'aws-config'), '[default]\nregion = eu-west-1\n');
    await writeFile(join(userData, 'aws-credentials'), '[default]\naws_access_key_id = AKIAEXAMPLE000000000\naws_secret_access_key = secret-in-file\n');
    vi.stubEnv('AWS_CONFIG_FILE', join(userData, 'aws-config'));
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(userData, 'aws-credentials'));
    const main = await import('../../../../src/main/index.ts');
    await main.ready;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(userData, { recursive: true, force: true });
  });

  const call = async (name: string, input: unknown) => {
    const window = fake.windows[0]!;
    return (await fake.handlers.get(name)!({ sender: window.webContents, senderFrame: window.webContents.mainFrame }, input)) as {
      ok: boolean;
      value?: { profiles: unknown[]; canStoreKeys: boolean; storeKeysMessage?: string };
      error?: { code: string; message: string };
    };
  };

  it('shows profiles by name only and says why keys cannot be stored', async () => {
    const result = await call('aws:profiles', undefined);
    expect(result.value?.profiles).toEqual([{ ref: 'profile:default', name: 'default', source: 'shared-files', region: 'eu-west-1' }]);
    expect(result.value?.canStoreKeys).toBe(false);
    expect(result.value?.storeKeysMessage).toMatch(/no encryption for stored secrets.*does not store secrets in plain text/);
    expect(JSON.stringify(result)).not.toMatch(/secret-in-file|AKIAEXAMPLE/);
  });

  it('refuses to store entered keys, with no plain-text fallback', async () => {
    const result = await call('aws:store-keys', { name: 'mine', accessKeyId: 'AKIAEXAMPLEMINE00000', secretAccessKey: 'x'.repeat(40) });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('FORBIDDEN');
    expect(result.error?.message).toMatch(/^The keys were not stored\. The operating system offers no encryption/);
    const files = await readdir(userData, { recursive: true });
    expect(files.some((f) => String(f).includes('aws-keys'))).toBe(false);
  });
});
