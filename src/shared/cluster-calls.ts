import { z } from 'zod';
import { call, NoInput } from './call-spec.ts';
import { Cluster, ClusterCost, ClusterId, ClusterLaunchRequest, ClusterList, JobFlowId } from './cluster-model.ts';
import { Ec2Warning, MAX_LIFETIME_HOURS } from './ec2-model.ts';

/** A cluster by the app's id (emr-...) or EMR's (j-...). */
const ClusterRef = z.union([ClusterId, JobFlowId]);

export const clusterCalls = {
  'clusters:estimate': call(ClusterLaunchRequest, ClusterCost, 'What a cluster would cost per hour and for its hours, before launching it: (master + core nodes) x (EC2 + EMR price).'),
  'clusters:launch': call(
    ClusterLaunchRequest,
    Cluster,
    'Launch a Spark cluster on EMR that AWS terminates at its deadline (an EventBridge Scheduler schedule); a retry with the same name never makes a second cluster.',
  ),
  'clusters:list': call(NoInput, ClusterList, 'Spark clusters, reconciled with the tagged clusters in AWS (unknown ones adopted): state, nodes, deadline, time left, cost.'),
  'clusters:extend': call(
    z.object({ clusterId: ClusterRef, hours: z.number().positive('a positive number of hours').max(MAX_LIFETIME_HOURS) }).strict(),
    Cluster,
    `Move a cluster's deadline later: its schedule in AWS and its deadline tag, never past ${MAX_LIFETIME_HOURS} h from its launch.`,
  ),
  'clusters:terminate': call(z.object({ clusterId: ClusterRef }).strict(), Cluster, 'Terminate a cluster now and delete its deadline schedule, its SSH key and its security group once unused.'),
} as const;

export const clusterEvents = {
  /** Spark clusters changed (launched, extended, terminated, reconciled). */
  'clusters:changed': ClusterList,
  /** Keyed by cluster id: 60 and 15 minutes before AWS terminates a cluster (the same fields as an EC2 worker's). */
  'clusters:warning': Ec2Warning.extend({ workerId: ClusterId }),
} as const;
