import { z } from 'zod';
import { Ec2State, WorkerName } from './worker-model.ts';

export { Ec2State };

/**
 * AWS credentials and EC2 workers as the UI and the CLI see them. Nothing secret crosses:
 * profiles are names, an identity is an account id, keys go in and never come out.
 */

/** The hard limit of a worker's life, counted from its launch; extending never passes it. */
export const MAX_LIFETIME_HOURS = 24;
/** Warnings before the instance kills itself, in minutes. */
export const EXPIRY_WARNING_MINUTES = [60, 15] as const;

/** Regions a worker can be launched in (the commercial partition). */
export const REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1',
  'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-central-2', 'eu-north-1', 'eu-south-1',
  'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-east-1',
  'sa-east-1', 'me-south-1', 'af-south-1',
] as const;

export const Region = z.string().refine((r) => (REGIONS as readonly string[]).includes(r), {
  message: `an AWS region the workbench knows (${REGIONS.slice(0, 4).join(', ')}, ...)`,
});

export interface InstanceTypeInfo {
  type: string;
  vcpu: number;
  memoryGiB: number;
  /** On-demand Linux price in us-east-1, USD per hour: an estimate for the cost column. */
  hourlyUsd: number;
}

/** The bundled table of instance types offered in the launch form. */
export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  { type: 't3.medium', vcpu: 2, memoryGiB: 4, hourlyUsd: 0.0416 },
  { type: 't3.large', vcpu: 2, memoryGiB: 8, hourlyUsd: 0.0832 },
  { type: 't3.xlarge', vcpu: 4, memoryGiB: 16, hourlyUsd: 0.1664 },
  { type: 'm6i.large', vcpu: 2, memoryGiB: 8, hourlyUsd: 0.096 },
  { type: 'm6i.xlarge', vcpu: 4, memoryGiB: 16, hourlyUsd: 0.192 },
  { type: 'm6i.2xlarge', vcpu: 8, memoryGiB: 32, hourlyUsd: 0.384 },
  { type: 'm6i.4xlarge', vcpu: 16, memoryGiB: 64, hourlyUsd: 0.768 },
  { type: 'c6i.2xlarge', vcpu: 8, memoryGiB: 16, hourlyUsd: 0.34 },
  { type: 'c6i.4xlarge', vcpu: 16, memoryGiB: 32, hourlyUsd: 0.68 },
  { type: 'r6i.xlarge', vcpu: 4, memoryGiB: 32, hourlyUsd: 0.252 },
  { type: 'r6i.2xlarge', vcpu: 8, memoryGiB: 64, hourlyUsd: 0.504 },
  { type: 'r6i.4xlarge', vcpu: 16, memoryGiB: 128, hourlyUsd: 1.008 },
];

export function instanceTypeInfo(type: string): InstanceTypeInfo | undefined {
  return INSTANCE_TYPES.find((t) => t.type === type);
}

export const InstanceType = z.string().refine((t) => instanceTypeInfo(t) !== undefined, {
  message: `an instance type from the table (${INSTANCE_TYPES.map((t) => t.type).join(', ')})`,
});

/** What the app charges a worker with so far: price x hours since launch (to its end). */
export function costSoFar(hourlyUsd: number, launchedAt: string, until: Date): number {
  const hours = Math.max(0, (until.getTime() - Date.parse(launchedAt)) / 3_600_000);
  return Math.round(hourlyUsd * hours * 10_000) / 10_000;
}

/** A credential source: a profile of the shared files, the environment, or keys entered in the app. */
export const ProfileRef = z.string().regex(/^(env|profile:[A-Za-z0-9_.@+=,-]{1,128}|stored:[A-Za-z0-9_.-]{1,64})$/, 'a profile such as "profile:default", "env" or "stored:NAME"');

export const AwsProfile = z.object({
  ref: ProfileRef,
  name: z.string(),
  source: z.enum(['shared-files', 'environment', 'app']),
  region: z.string().optional(),
});
export type AwsProfile = z.infer<typeof AwsProfile>;

export const AwsProfiles = z.object({
  profiles: z.array(AwsProfile),
  /** The profile EC2 calls use. */
  active: ProfileRef.optional(),
  /** Whether keys entered here can be stored, and if not why (for the Settings form). */
  canStoreKeys: z.boolean(),
  storeKeysMessage: z.string().optional(),
});
export type AwsProfiles = z.infer<typeof AwsProfiles>;

export const AwsIdentity = z.object({ ref: ProfileRef, account: z.string(), region: z.string() });
export type AwsIdentity = z.infer<typeof AwsIdentity>;

export const StoreKeysRequest = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a short name: letters, digits, ".", "-" or "_"'),
    accessKeyId: z.string().regex(/^(AKIA|ASIA)[A-Z0-9]{12,124}$/, 'an access key id (AKIA... or ASIA...)'),
    secretAccessKey: z.string().min(16).max(256),
    sessionToken: z.string().min(1).max(4096).optional(),
    region: Region.optional(),
  })
  .strict();
export type StoreKeysRequest = z.infer<typeof StoreKeysRequest>;

export const Ec2WorkerId = z.string().regex(/^ec2-[a-z0-9]{8}$/, 'an EC2 worker id');

/** IPv4 CIDR such as 203.0.113.7/32: the one source SSH is allowed from. */
export const Cidr = z.string().refine((c) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(c);
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= 8 && Number(m[5]) <= 32;
}, 'an IPv4 CIDR from /8 to /32, such as 203.0.113.7/32');

export const LaunchRequest = z
  .object({
    name: WorkerName,
    region: Region,
    instanceType: InstanceType,
    lifetimeHours: z.number().min(0.25).max(MAX_LIFETIME_HOURS, `at most ${MAX_LIFETIME_HOURS} hours: a worker never lives longer`).default(MAX_LIFETIME_HOURS),
    diskGiB: z.number().int().min(8).max(4096).default(30),
    /** Default: this computer's public address /32, when it can be found. */
    allowedCidr: Cidr.optional(),
    instanceProfile: z.string().regex(/^[\w+=,.@-]{1,128}$/, 'an IAM instance profile name').optional(),
    /**
     * Data buckets the worker may read (s3:GetObject, s3:ListBucket, nothing else): it gets an
     * instance profile made for them, so no keys are copied to it. Not with instanceProfile.
     */
    readBuckets: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name')).max(20).optional(),
    /** Default: the newest Ubuntu LTS from Canonical. */
    imageId: z.string().regex(/^ami-[0-9a-f]{8,17}$/, 'an AMI id such as ami-0123456789abcdef0').optional(),
    /** The login user of the image (ubuntu for Ubuntu). */
    sshUser: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'a user name').default('ubuntu'),
    /** The same token for a retry of the same launch: never two instances. */
    clientToken: z.string().regex(/^[A-Za-z0-9-]{8,48}$/, 'a token of 8-48 letters, digits or "-"').optional(),
  })
  .strict();
export type LaunchRequest = z.input<typeof LaunchRequest>;

export const Ec2Worker = z.object({
  id: Ec2WorkerId,
  name: z.string(),
  region: z.string(),
  instanceId: z.string().optional(),
  instanceType: z.string(),
  state: Ec2State,
  address: z.string().optional(),
  launchedAt: z.string(),
  deadline: z.string(),
  /** Seconds until the instance kills itself (0 when past). */
  secondsLeft: z.number(),
  hourlyUsd: z.number(),
  costUsd: z.number(),
  /** Adopted from AWS tags after the app lost track of it. */
  adopted: z.boolean(),
  /** Past its deadline but still running: its self-kill failed; terminate it. */
  overdue: z.boolean(),
  /** The app holds its SSH key (false for one launched elsewhere). */
  reachable: z.boolean(),
  message: z.string().optional(),
});
export type Ec2Worker = z.infer<typeof Ec2Worker>;

export const Ec2Warning = z.object({
  workerId: Ec2WorkerId,
  name: z.string(),
  minutesLeft: z.number(),
  deadline: z.string(),
  message: z.string(),
});
export type Ec2Warning = z.infer<typeof Ec2Warning>;

/** The title of a warning's desktop notification (the Electron shell's and the browser's alike). */
export function warningTitle(warning: Ec2Warning): string {
  return `${warning.name}: ${warning.minutesLeft} minute${warning.minutesLeft === 1 ? '' : 's'} left`;
}

export const Ec2List = z.object({
  workers: z.array(Ec2Worker),
  /** Why AWS could not be asked; the list is then what the app remembers. */
  message: z.string().optional(),
});
export type Ec2List = z.infer<typeof Ec2List>;
