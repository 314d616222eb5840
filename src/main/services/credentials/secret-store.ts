import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';

/**
 * Where the app keeps secrets (entered AWS keys, per-worker SSH private keys). Secrets stay in
 * main: nothing here is ever sent to the renderer.
 */
export interface SecretStore {
  /** True when secrets are encrypted at rest by the OS (Electron safeStorage). */
  readonly encrypted: boolean;
  /** Why nothing can be stored right now, or undefined when it can. */
  unavailableReason(): string | undefined;
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

function checkedName(name: string): string {
  // Names become file names: no separators, no dot-dot, nothing a path could escape with.
  if (!SECRET_NAME.test(name) || name.includes('..')) throw new Error(`Bad secret name: ${name}`);
  return name;
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Secrets as 0600 files in a 0700 folder: what OpenSSH itself does with ~/.ssh/id_*. Used for
 * per-worker SSH keys by the browser and command-line hosts, which have no OS keychain.
 */
export class FileSecretStore implements SecretStore {
  readonly encrypted = false;

  constructor(private readonly dir: string) {}

  unavailableReason(): string | undefined {
    return undefined;
  }

  async get(name: string): Promise<string | undefined> {
    return (await readOptional(join(this.dir, checkedName(name))))?.toString('utf8');
  }

  async set(name: string, value: string): Promise<void> {
    // The folder is the app's own (in its data dir): a link there would send keys elsewhere.
    await makeOwnFolder(dirname(this.dir), this.dir);
    await writeFileAtomic(join(this.dir, checkedName(name)), value, 0o600);
  }

  async delete(name: string): Promise<void> {
    await rm(join(this.dir, checkedName(name)), { force: true });
  }
}

/** The part of Electron's `safeStorage` we use (passed in: services import no Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which keyring backs it; 'basic_text' means a hard-coded key, no real protection. */
  getSelectedStorageBackend?: () => string;
}

/**
 * Secrets encrypted by the OS keychain through Electron's safeStorage, stored as files of
 * ciphertext. Refuses to store when encryption is unavailable, or (Linux) when safeStorage
 * would fall back to its hard-coded "basic_text" key: that is plain text in disguise.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly encrypted = true;

  constructor(
    private readonly safeStorage: SafeStorageLike,
    private readonly dir: string,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  unavailableReason(): string | undefined {
    if (!this.safeStorage.isEncryptionAvailable()) {
      return 'The operating system offers no encryption for stored secrets (no keychain or keyring is available), and the workbench does not store secrets in plain text.';
    }
    if (this.platform === 'linux') {
      const backend = this.safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
      if (backend === 'basic_text' || backend === 'unknown') {
        return `No desktop keyring (GNOME Keyring or KWallet) is running, so secrets could only be "encrypted" with a fixed key (backend: ${backend}); the workbench refuses to store them that way.`;
      }
    }
    return undefined;
  }

  async get(name: string): Promise<string | undefined> {
    const cipher = await readOptional(join(this.dir, `${checkedName(name)}.enc`));
    if (cipher === undefined) return undefined;
    if (!this.safeStorage.isEncryptionAvailable()) {
      throw new WorkbenchError('UNAVAILABLE', 'The stored secret cannot be decrypted now: the operating system keychain is unavailable.');
    }
    return this.safeStorage.decryptString(cipher);
  }

  async set(name: string, value: string): Promise<void> {
    const reason = this.unavailableReason();
    if (reason) throw new WorkbenchError('UNAVAILABLE', `Not stored: ${reason}`);
    await makeOwnFolder(dirname(this.dir), this.dir);
    await writeFileAtomic(join(this.dir, `${checkedName(name)}.enc`), this.safeStorage.encryptString(value), 0o600);
  }

  async delete(name: string): Promise<void> {
    await rm(join(this.dir, `${checkedName(name)}.enc`), { force: true });
  }
}
