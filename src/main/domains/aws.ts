import { join } from 'node:path';
import { CredentialsService } from '../services/credentials/credentials-service.ts';
import { SafeStorageSecretStore, type SafeStorageLike } from '../services/credentials/secret-store.ts';
import type { Core, Domain } from './domain.ts';

export interface AwsDomainOptions {
  /** Electron's safeStorage (the desktop host only); absent in the browser and command-line hosts. */
  safeStorage?: SafeStorageLike;
  env?: NodeJS.ProcessEnv;
}

export interface AwsDomain extends Domain<'aws:profiles' | 'aws:select-profile' | 'aws:check' | 'aws:store-keys' | 'aws:remove-keys'> {
  /** The active profile's credentials, read again at every call (EC2, schedules, publish use them). */
  credentials: CredentialsService;
  /** Secrets encrypted by the OS keychain, where the host has one (EC2 keeps worker keys there too). */
  keychain: SafeStorageSecretStore | undefined;
}

/**
 * AWS credentials: profiles from the shared files and the environment, and keys entered in
 * Settings, kept only where the OS keychain encrypts them (refused elsewhere, saying why).
 */
export function createAwsDomain(core: Pick<Core, 'dataDir' | 'store'>, options: AwsDomainOptions): AwsDomain {
  const keychain = options.safeStorage ? new SafeStorageSecretStore(options.safeStorage, join(core.dataDir, 'secrets')) : undefined;
  const credentials = new CredentialsService(core.store, keychain ?? null, options.env);
  return {
    credentials,
    keychain,
    handlers: {
      'aws:profiles': () => credentials.profiles(),
      'aws:select-profile': ({ ref }) => credentials.select(ref),
      'aws:check': async ({ ref }) => {
        const { arn: _arn, ...shown } = await credentials.identity(ref); // the ARN stays in main
        return shown;
      },
      'aws:store-keys': (request) => credentials.storeKeys(request),
      'aws:remove-keys': ({ name }) => credentials.removeKeys(name),
    },
  };
}
