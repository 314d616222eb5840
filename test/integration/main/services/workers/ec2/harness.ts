import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventBus } from '../../../../../../src/main/bus.ts';
import { createAwsDomain, type AwsDomain } from '../../../../../../src/main/domains/aws.ts';
import { createEc2Domain, type Ec2Domain, type Ec2DomainOptions } from '../../../../../../src/main/domains/ec2.ts';
import { createSettingsDomain } from '../../../../../../src/main/domains/settings.ts';
import { createSshDomain } from '../../../../../../src/main/domains/ssh.ts';
import { createWorkersDomain, type WorkersDomain } from '../../../../../../src/main/domains/workers.ts';
import { DocumentStore } from '../../../../../../src/main/services/store/document-store.ts';
import type { Ec2Warning, Ec2List } from '../../../../../../src/shared/ec2-model.ts';
import type { Moto } from '../../../../../fixtures/moto.ts';

export const RESOURCES = join(process.cwd(), 'resources');
/** A documentation address (RFC 5737): never contacted, only written into a security group. */
export const TEST_CIDR = '203.0.113.7/32';

/** AWS shared files in `dir` with moto's keys as the default profile, and the env pointing at them. */
export async function awsEnv(dir: string, moto: Moto, keys = moto.credentials): Promise<NodeJS.ProcessEnv> {
  const config = join(dir, 'aws-config');
  const credentials = join(dir, 'aws-credentials');
  await writeFile(config, '[default]\nregion = us-east-1\n');
  await writeFile(credentials, `[default]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_ENDPOINT_URL: moto.endpoint, WORKBENCH_LOOPBACK_ONLY: '1' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  return env;
}

export interface Harness {
  aws: AwsDomain;
  ec2: Ec2Domain;
  workers: WorkersDomain;
  bus: EventBus;
  warnings: Ec2Warning[];
  changes: Ec2List[];
  client(): EC2Client;
  close(): void;
}

/** The EC2 domain of one app "process" on a data dir, against moto, built as workbench.ts builds it. */
export function harness(dataDir: string, moto: Moto, env: NodeJS.ProcessEnv, overrides: Ec2DomainOptions['overrides'] = {}): Harness {
  const bus = new EventBus();
  const core = { dataDir, resourcesDir: RESOURCES, bus, store: new DocumentStore(dataDir) };
  const warnings: Ec2Warning[] = [];
  const changes: Ec2List[] = [];
  const stopWarnings = bus.on('ec2:warning', (warning) => warnings.push(warning));
  const stopChanges = bus.on('ec2:workers', (list) => changes.push(list));
  const settings = createSettingsDomain(core);
  const aws = createAwsDomain(core, { env });
  const ssh = createSshDomain(core, { env: { ...env, WORKBENCH_USER_SSH_CONFIG: join(dataDir, 'no-user-ssh-config') } });
  const ec2 = createEc2Domain(core, { aws, ssh, settings }, { env, overrides });
  // EC2 workers are listed and reached through the shared SSH connections by their own endpoint.
  const workers = createWorkersDomain(core, { ssh, ec2 });
  return {
    aws,
    ec2,
    workers,
    bus,
    warnings,
    changes,
    client: () => new EC2Client(moto.clientConfig()),
    close: () => {
      stopWarnings();
      stopChanges();
      ec2.close?.();
      void workers.close?.();
      void ssh.close?.();
    },
  };
}
