import { z } from 'zod';
import { Ec2State, Ec2WorkerId } from '../../../../shared/ec2-model.ts';
import { listDocument } from '../../store/document-store.ts';

/** What the app remembers of an EC2 worker (the private key is in the SecretStore). */
export const Ec2Record = z.object({
  id: Ec2WorkerId,
  name: z.string(),
  region: z.string(),
  instanceType: z.string(),
  /** The profile it was launched with: later calls about it use the same credentials. */
  profile: z.string(),
  clientToken: z.string(),
  launchedAt: z.string(),
  deadline: z.string(),
  /** The lifetime asked for at launch (the deadline moves when extended); absent for adopted instances. */
  lifetimeHours: z.number().optional(),
  sshUser: z.string(),
  /** `ssh-ed25519 AAAA...`: pinned, the only host key accepted. Absent for adopted strangers. */
  hostPublicKey: z.string().optional(),
  /** The worker's authorized key (its private half is in the SecretStore). */
  userPublicKey: z.string().optional(),
  hasKey: z.boolean(),
  instanceId: z.string().optional(),
  address: z.string().optional(),
  state: Ec2State,
  adopted: z.boolean().default(false),
  message: z.string().optional(),
});
export type Ec2Record = z.infer<typeof Ec2Record>;

export const EC2_DOCUMENT = listDocument(
  'ec2-workers',
  Ec2Record,
  'the list of EC2 workers this app launched. They still run in AWS and still terminate at their deadlines; "Find my EC2 workers again" looks for them by their tags in every region',
  { recover: { label: 'Find my EC2 workers again', call: 'ec2:find-workers' } },
);

export function privateKeySecret(workerId: string): string {
  return `worker-key-${workerId}`;
}

/** The host's private key, kept only between preparing a launch and the instance existing. */
export function hostKeySecret(workerId: string): string {
  return `worker-host-key-${workerId}`;
}
