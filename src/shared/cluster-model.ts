import { z } from 'zod';
import { Cidr, instanceTypeInfo, MAX_LIFETIME_HOURS, Region } from './ec2-model.ts';
import { WorkerName } from './worker-model.ts';

/**
 * Spark clusters on Amazon EMR as the UI and the CLI see them. A cluster ends at its deadline
 * by an EventBridge Scheduler schedule in AWS, whether or not this app is open.
 */

/**
 * The release a cluster gets unless one is chosen: the newest EMR 7 release (Spark 3.5, nodes
 * with Python 3.9 and 3.11). The releases a region offers: `aws emr list-release-labels`
 * (the ListReleaseLabels call).
 */
export const DEFAULT_EMR_RELEASE = 'emr-7.13.0';

/** The app's id of a cluster (the EMR id j-... is known only once RunJobFlow has answered). */
export const ClusterId = z.string().regex(/^emr-[a-z0-9]{8}$/, 'a cluster id such as emr-ab12cd34');

/** The EMR cluster id. */
export const JobFlowId = z.string().regex(/^j-[A-Z0-9]{1,20}$/, 'an EMR cluster id such as j-1ABCDEFGHIJKL');

/**
 * Amazon EMR's own price per instance-hour, on top of EC2's, in us-east-1 (USD): an estimate for
 * the cost column. EMR does not run on burstable (t3) instances, so they are not offered.
 */
export const EMR_HOURLY_USD: Readonly<Record<string, number>> = {
  'm6i.large': 0.024,
  'm6i.xlarge': 0.048,
  'm6i.2xlarge': 0.096,
  'm6i.4xlarge': 0.192,
  'c6i.2xlarge': 0.085,
  'c6i.4xlarge': 0.17,
  'r6i.xlarge': 0.063,
  'r6i.2xlarge': 0.126,
  'r6i.4xlarge': 0.252,
};

export const CLUSTER_INSTANCE_TYPES = Object.keys(EMR_HOURLY_USD);

export const ClusterInstanceType = z.string().refine((t) => CLUSTER_INSTANCE_TYPES.includes(t), {
  message: `an instance type EMR runs on from the table (${CLUSTER_INSTANCE_TYPES.join(', ')})`,
});

/** The shortest life a cluster is launched for: EMR takes several minutes just to start. */
export const MIN_CLUSTER_HOURS = 1;
export const MAX_CORE_NODES = 50;

export const ClusterLaunchRequest = z
  .object({
    name: WorkerName,
    region: Region,
    coreNodes: z.number().int('a whole number of core nodes').min(0, 'at least 0 core nodes (0: the master node alone)').max(MAX_CORE_NODES, `at most ${MAX_CORE_NODES} core nodes`),
    instanceType: ClusterInstanceType,
    hours: z.number().min(MIN_CLUSTER_HOURS, `at least ${MIN_CLUSTER_HOURS} hour`).max(MAX_LIFETIME_HOURS, `at most ${MAX_LIFETIME_HOURS} hours: a cluster never lives longer`),
    /** Default: this computer's public address /32, when it can be found. */
    allowedCidr: Cidr.optional(),
    release: z.string().regex(/^emr-7\.\d{1,2}\.\d{1,2}$/, 'an EMR 7 release label such as emr-7.13.0').default(DEFAULT_EMR_RELEASE),
  })
  .strict();
export type ClusterLaunchRequest = z.input<typeof ClusterLaunchRequest>;

export const ClusterCost = z.object({
  nodes: z.number(),
  /** (master + core nodes) x (EC2 price + EMR price), USD per hour. */
  hourlyUsd: z.number(),
  /** For the hours asked (the estimate), or since launch (a cluster's cost so far). */
  totalUsd: z.number(),
  /** Says what the price leaves out (EC2 price only, or no price known). */
  note: z.string().optional(),
});
export type ClusterCost = z.infer<typeof ClusterCost>;

/** EMR's cluster states, and `launching` before RunJobFlow has answered. */
export const ClusterState = z.enum(['launching', 'STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING', 'TERMINATING', 'TERMINATED', 'TERMINATED_WITH_ERRORS', 'unknown']);
export type ClusterState = z.infer<typeof ClusterState>;

/** Whether a cluster is ending or ended: its master and everything on it are going away for good. */
export function clusterEnded(state: string): boolean {
  return state === 'TERMINATING' || state.startsWith('TERMINATED');
}

export const Cluster = z.object({
  id: ClusterId,
  name: z.string(),
  region: z.string(),
  clusterId: z.string().optional(),
  release: z.string(),
  instanceType: z.string(),
  coreNodes: z.number(),
  state: ClusterState,
  masterAddress: z.string().optional(),
  launchedAt: z.string(),
  deadline: z.string(),
  /** The latest deadline extending may give: 24 hours after launch. */
  latestDeadline: z.string(),
  secondsLeft: z.number(),
  hourlyUsd: z.number(),
  costUsd: z.number(),
  priceNote: z.string().optional(),
  /** Found in AWS by its tags, not launched by this app's data dir. */
  adopted: z.boolean(),
  message: z.string().optional(),
});
export type Cluster = z.infer<typeof Cluster>;

export const ClusterList = z.object({ clusters: z.array(Cluster), message: z.string().optional() });
export type ClusterList = z.infer<typeof ClusterList>;

/** What a cluster of `nodes` instances of `instanceType` costs per hour, and for `hours`. */
export function clusterCost(instanceType: string, nodes: number, hours: number): ClusterCost {
  const ec2 = instanceTypeInfo(instanceType)?.hourlyUsd;
  const emr = EMR_HOURLY_USD[instanceType];
  const perNode = (ec2 ?? 0) + (emr ?? 0);
  const note = ec2 === undefined ? `no price is known for ${instanceType}` : emr === undefined ? 'EC2 price only: the EMR price of this instance type is not in the table' : undefined;
  const round = (n: number) => Math.round(n * 10_000) / 10_000;
  return { nodes, hourlyUsd: round(perNode * nodes), totalUsd: round(perNode * nodes * Math.max(0, hours)), ...(note ? { note } : {}) };
}
