import { join } from 'node:path';
import { FileSecretStore, type SecretStore } from '../services/credentials/secret-store.ts';
import { Ec2Workers, type Ec2WorkersOptions } from '../services/workers/ec2/ec2-workers.ts';
import type { AwsDomain } from './aws.ts';
import type { Core, Domain } from './domain.ts';
import type { SettingsDomain } from './settings.ts';
import type { SshDomain } from './ssh.ts';

export interface Ec2DomainOptions {
  env?: NodeJS.ProcessEnv;
  /** Tests replace clients, keys, clock or address lookup. */
  overrides?: Partial<Pick<Ec2WorkersOptions, 'ec2' | 'keys' | 'now' | 'myAddress' | 'groupRelease'>>;
}

export interface Ec2Domain extends Domain<'aws:my-address' | 'ec2:launch' | 'ec2:list' | 'ec2:find-workers' | 'ec2:extend' | 'ec2:terminate'> {
  workers: Ec2Workers;
}

/**
 * EC2 workers that terminate themselves at their deadline. Per-worker SSH keys are kept by the
 * OS keychain where it works, else in 0600 files in <dataDir>/keys (as OpenSSH keeps ~/.ssh/id_*).
 */
export function createEc2Domain(
  core: Pick<Core, 'dataDir' | 'resourcesDir' | 'bus' | 'store'>,
  deps: { aws: AwsDomain; ssh: SshDomain; settings: SettingsDomain },
  options: Ec2DomainOptions = {},
): Ec2Domain {
  const { keychain } = deps.aws;
  const workerKeys: SecretStore = keychain && keychain.unavailableReason() === undefined ? keychain : new FileSecretStore(join(core.dataDir, 'keys'));
  const workers = new Ec2Workers({
    store: core.store,
    credentials: deps.aws.credentials,
    secrets: workerKeys,
    connections: deps.ssh.connections,
    cloudInitDir: join(core.resourcesDir, 'worker', 'cloud-init'),
    regions: async () => (await deps.settings.settings.get()).regions,
    ...(options.env ? { env: options.env } : {}),
    onChange: (list) => core.bus.emit('ec2:workers', { workers: list }),
    onWarning: (warning) => core.bus.emit('ec2:warning', warning, warning.workerId),
    ...options.overrides,
  });
  return {
    workers,
    handlers: {
      'aws:my-address': async () => ({ cidr: await workers.myAddress() }),
      'ec2:launch': (request) => workers.launch(request),
      'ec2:list': () => workers.list(),
      'ec2:find-workers': () => workers.findAgain(),
      'ec2:extend': ({ workerId, hours }) => workers.extend(workerId, hours),
      'ec2:terminate': ({ workerId }) => workers.terminate(workerId),
    },
    // Nothing trusts the app to stay open, but an open app shows what AWS has (and warns).
    start: () => workers.start(),
    close: () => workers.close(),
  };
}
