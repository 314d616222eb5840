import type { Instance } from '@aws-sdk/client-ec2';
import type { CredentialsService } from '../../credentials/credentials-service.ts';
import type { SecretStore } from '../../credentials/secret-store.ts';
import type { Ec2ClientFactory } from './clients.ts';
import type { Ec2Record } from './ec2-store.ts';
import type { SshKeyPair } from './keys.ts';

/** What the EC2 modules need from the service holding them: passed in, so tests pass real servers. */
export interface Ec2Context {
  credentials: CredentialsService;
  /** Per-worker private keys (safeStorage in Electron, 0600 files elsewhere). */
  secrets: SecretStore;
  ec2: Ec2ClientFactory;
  keys: { user(comment: string): SshKeyPair; host(comment: string): SshKeyPair };
  /** resources/worker/cloud-init */
  cloudInitDir: string;
  now(): Date;
  /** This computer's public address as a /32, for the default allowed SSH source. */
  myAddress(): Promise<string>;
  /** The environment AWS clients are configured from (the endpoint, in tests moto). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  records(): Promise<Ec2Record[]>;
  addRecord(record: Ec2Record): Promise<void>;
  updateRecord(workerId: string, change: (record: Ec2Record) => Ec2Record): Promise<Ec2Record>;
  /** Drops a launch AWS refused (no instance exists): its record and its keys. */
  forgetLaunch(workerId: string): Promise<void>;
  /** Records what AWS says of the worker's instance (id, state, address). */
  saveInstance(workerId: string, instance: Instance): Promise<Ec2Record>;
}
