import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EventHub } from '../../../../../../src/main/events.ts';
import { createSshServices, type SshServices } from '../../../../../../src/main/services/ssh/ssh-services.ts';
import { DocumentStore } from '../../../../../../src/main/services/store/document-store.ts';
import { createEc2Services, type Ec2Services, type Ec2ServicesOptions } from '../../../../../../src/main/services/workers/ec2/ec2-services.ts';
import { ec2WorkerSource } from '../../../../../../src/main/services/workers/ec2/ec2-worker-source.ts';
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
  ec2: Ec2Services;
  ssh: SshServices;
  hub: EventHub;
  warnings: Ec2Warning[];
  changes: Ec2List[];
  client(): EC2Client;
  close(): void;
}

/** The EC2 services of one app "process" on a data dir, against moto. */
export function harness(dataDir: string, moto: Moto, env: NodeJS.ProcessEnv, overrides: Ec2ServicesOptions['overrides'] = {}): Harness {
  const hub = new EventHub();
  const store = new DocumentStore(dataDir);
  // As in workbench.ts: EC2 workers are listed and reached through the shared SSH services by their own endpoint.
  const ssh = createSshServices({ dataDir, hub, store, env: { ...env, WORKBENCH_USER_SSH_CONFIG: join(dataDir, 'no-user-ssh-config') }, source: ec2WorkerSource(() => ec2.workers) });
  const warnings: Ec2Warning[] = [];
  const changes: Ec2List[] = [];
  const sub = hub.connect((batch) => {
    for (const e of batch) {
      if (e.topic === 'ec2:warning') warnings.push(e.payload as Ec2Warning);
      if (e.topic === 'ec2:workers') changes.push(e.payload as Ec2List);
    }
  });
  sub.subscribe({ topic: 'ec2:warning' });
  sub.subscribe({ topic: 'ec2:workers' });
  const ec2: Ec2Services = createEc2Services({ dataDir, resourcesDir: RESOURCES, hub, store, connections: ssh.connections, regions: async () => ['us-east-1'], env, overrides });
  return {
    ec2,
    ssh,
    hub,
    warnings,
    changes,
    client: () => new EC2Client(moto.clientConfig()),
    close: () => {
      sub.close();
      ec2.close();
      ssh.close();
    },
  };
}
