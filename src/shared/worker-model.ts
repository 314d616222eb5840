import { z } from 'zod';

/** A name for a worker in lists and commands: letters, digits, dots, dashes, underscores. */
export const WorkerName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a short name: letters, digits, ".", "-" or "_", no spaces');

// ec2-: EC2 workers (src/main/services/workers/ec2), emr-: the master nodes of Spark clusters
// (src/main/services/clusters, the cluster's own id), reached over the same SSH connections.
export const WorkerId = z.string().regex(/^(local|ssh-[a-z0-9]{8}|ec2-[a-z0-9]{8}|emr-[a-z0-9]{8})$/, 'a worker id');

/**
 * A host as the user types it: an ssh_config alias or an address, no spaces, not starting
 * with "-" (it must never be mistaken for an option by anything it reaches).
 */
export const HostName = z.string().regex(/^[A-Za-z0-9_.:[\]%-]{1,253}$/, 'a host name, address or ssh_config alias').refine((h) => !h.startsWith('-'), 'a host may not start with "-"');

export const ConnectionState = z.enum(['disconnected', 'connecting', 'connected', 'reconnecting', 'failed']);
export type ConnectionState = z.infer<typeof ConnectionState>;

export const SshWorkerSpec = z
  .object({
    name: WorkerName,
    host: HostName,
    user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'a user name').optional(),
    port: z.number().int().min(1).max(65535).optional(),
    /** The worker's folder for runs and the runtime; default ~/.workbench. */
    workDir: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type SshWorkerSpec = z.infer<typeof SshWorkerSpec>;

/** An EC2 instance's state as AWS reports it ('launching' until RunInstances answered). */
export const Ec2State = z.enum(['launching', 'pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'unknown']);
export type Ec2State = z.infer<typeof Ec2State>;

/** What an EC2 worker adds to a worker: its instance as last seen in AWS, its deadline and cost. */
export const Ec2WorkerFacts = z.object({
  region: z.string(),
  instanceType: z.string(),
  instanceId: z.string().optional(),
  instanceState: Ec2State,
  launchedAt: z.string(),
  /** When the instance terminates itself (ISO UTC). */
  deadline: z.string(),
  /** Seconds left when the list was made; the UI counts down from the deadline. */
  secondsLeft: z.number(),
  hourlyUsd: z.number(),
  costUsd: z.number(),
  overdue: z.boolean(),
  /** The app holds its key and pinned host key, so it can connect. */
  reachable: z.boolean(),
});
export type Ec2WorkerFacts = z.infer<typeof Ec2WorkerFacts>;

/**
 * What a Spark cluster's master node adds to a worker: the EMR cluster, its deadline and cost.
 * Its host key is not pinned (EMR takes no host key at launch): the first connection asks the
 * user to confirm it, as for an SSH host, and it is kept in the app's known_hosts from then on.
 */
export const ClusterWorkerFacts = z.object({
  region: z.string(),
  /** EMR's id, j-... */
  clusterId: z.string(),
  clusterState: z.string(),
  instanceType: z.string(),
  coreNodes: z.number(),
  launchedAt: z.string(),
  /** When AWS terminates the cluster (ISO UTC). */
  deadline: z.string(),
  /** Seconds left when the list was made; the UI counts down from the deadline. */
  secondsLeft: z.number(),
  hourlyUsd: z.number(),
  costUsd: z.number(),
  /** The app holds the cluster's private key, so it can log in. */
  reachable: z.boolean(),
});
export type ClusterWorkerFacts = z.infer<typeof ClusterWorkerFacts>;

export const WorkerKind = z.enum(['local', 'ssh', 'ec2', 'cluster']);
export type WorkerKind = z.infer<typeof WorkerKind>;

export const WorkerInfo = z.object({
  id: WorkerId,
  kind: WorkerKind,
  name: z.string(),
  host: z.string().optional(),
  user: z.string().optional(),
  port: z.number().optional(),
  workDir: z.string().optional(),
  state: ConnectionState,
  /** Why the last connection failed, for the user. */
  message: z.string().optional(),
  /** Set for kind 'ec2'. */
  ec2: Ec2WorkerFacts.optional(),
  /** Set for kind 'cluster'. */
  cluster: ClusterWorkerFacts.optional(),
});
export type WorkerInfo = z.infer<typeof WorkerInfo>;

/** A host key waiting for the user's decision. */
export const PendingHostKey = z.object({
  workerId: WorkerId,
  host: z.string(),
  port: z.number(),
  keyType: z.string(),
  fingerprint: z.string(),
  /** Set when the host had a different key before: the user is warned, not asked. */
  changedFrom: z.string().optional(),
});
export type PendingHostKey = z.infer<typeof PendingHostKey>;

export const WorkerState = z.object({ workerId: WorkerId, state: ConnectionState, message: z.string().optional() });
export type WorkerState = z.infer<typeof WorkerState>;

export const TerminalId = z.string().regex(/^term-[a-z0-9]{10}$/, 'a terminal id');

export const TerminalData = z.object({
  terminalId: TerminalId,
  /** Text for the terminal (UTF-8 decoded across chunk boundaries). */
  data: z.string(),
  /** The shell ended (exit, or the connection dropped for good). */
  closed: z.boolean().optional(),
});
export type TerminalData = z.infer<typeof TerminalData>;

export const RemotePath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'a path without NUL characters');

export const RemoteEntry = z.object({
  name: z.string(),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
  size: z.number(),
  modifiedAt: z.string(),
  mode: z.number(),
});
export type RemoteEntry = z.infer<typeof RemoteEntry>;

export const RemoteListing = z.object({ path: z.string(), entries: z.array(RemoteEntry) });
export type RemoteListing = z.infer<typeof RemoteListing>;
