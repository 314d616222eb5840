import { join } from 'node:path';
import type { EventHub } from '../../../events.ts';
import type { Handlers } from '../../../rpc.ts';
import { CredentialsService } from '../../credentials/credentials-service.ts';
import { FileSecretStore, SafeStorageSecretStore, type SafeStorageLike, type SecretStore } from '../../credentials/secret-store.ts';
import type { SshConnections } from '../../ssh/connection-manager.ts';
import type { DocumentStore } from '../../store/document-store.ts';
import { Ec2Workers, type Ec2WorkersOptions } from './ec2-workers.ts';

type AwsHandlers = Pick<
  Handlers,
  'aws:profiles' | 'aws:select-profile' | 'aws:check' | 'aws:store-keys' | 'aws:remove-keys' | 'aws:my-address' | 'ec2:launch' | 'ec2:list' | 'ec2:find-workers' | 'ec2:extend' | 'ec2:terminate'
>;

export interface Ec2Services {
  handlers: AwsHandlers;
  credentials: CredentialsService;
  workers: Ec2Workers;
  close(): void;
}

export interface Ec2ServicesOptions {
  dataDir: string;
  resourcesDir: string;
  hub: EventHub;
  store: DocumentStore;
  connections: SshConnections;
  regions: () => Promise<string[]>;
  /** Electron's safeStorage; absent in the browser and command-line hosts. */
  safeStorage?: SafeStorageLike;
  env?: NodeJS.ProcessEnv;
  /** Tests replace clients, keys, clock or address lookup. */
  overrides?: Partial<Pick<Ec2WorkersOptions, 'ec2' | 'keys' | 'now' | 'myAddress' | 'groupRelease'>>;
}

/**
 * AWS credentials and EC2 workers, bound to the contract. Entered AWS keys need an encrypting
 * SecretStore (Electron safeStorage) and are refused elsewhere; per-worker SSH keys use it when
 * it works, else 0600 files in <dataDir>/keys (as OpenSSH keeps ~/.ssh/id_*).
 */
export function createEc2Services(options: Ec2ServicesOptions): Ec2Services {
  const { hub } = options;
  const safe = options.safeStorage ? new SafeStorageSecretStore(options.safeStorage, join(options.dataDir, 'secrets')) : undefined;
  const workerKeys: SecretStore = safe && safe.unavailableReason() === undefined ? safe : new FileSecretStore(join(options.dataDir, 'keys'));
  const credentials = new CredentialsService(options.store, safe ?? null, options.env);
  const workers = new Ec2Workers({
    store: options.store,
    credentials,
    secrets: workerKeys,
    connections: options.connections,
    cloudInitDir: join(options.resourcesDir, 'worker', 'cloud-init'),
    regions: options.regions,
    ...(options.env ? { env: options.env } : {}),
    onChange: (list) => hub.emit('ec2:workers', { workers: list }),
    onWarning: (warning) => hub.emit('ec2:warning', warning, warning.workerId),
    ...options.overrides,
  });

  const handlers: AwsHandlers = {
    'aws:profiles': () => credentials.profiles(),
    'aws:select-profile': ({ ref }) => credentials.select(ref),
    'aws:check': async ({ ref }) => {
      const { arn: _arn, ...shown } = await credentials.identity(ref); // the ARN stays in main
      return shown;
    },
    'aws:store-keys': (request) => credentials.storeKeys(request),
    'aws:remove-keys': ({ name }) => credentials.removeKeys(name),
    'aws:my-address': async () => ({ cidr: await workers.myAddress() }),
    'ec2:launch': (request) => workers.launch(request),
    'ec2:list': () => workers.list(),
    'ec2:find-workers': () => workers.findAgain(),
    'ec2:extend': ({ workerId, hours }) => workers.extend(workerId, hours),
    'ec2:terminate': ({ workerId }) => workers.terminate(workerId),
  };
  return { handlers, credentials, workers, close: () => workers.close() };
}
