import { WorkbenchError } from '../../../shared/errors.ts';
import type { WorkerInfo } from '../../../shared/worker-model.ts';
import type { SecretStore } from '../credentials/secret-store.ts';
import type { SshEndpoint } from '../ssh/connection-manager.ts';
import type { WorkerSource } from '../workers/worker-registry.ts';
import { LIVE_STATES } from './cluster-aws.ts';
import { toView, type Clusters } from './cluster-service.ts';
import { clusterKeySecret, type ClusterRecord } from './cluster-store.ts';

/** The login EMR makes on a cluster's master node for the cluster's key pair. */
export const EMR_MASTER_USER = 'hadoop';

/** The Spark master a job on a cluster's master node asks for: YARN, which spreads it over the core nodes. */
export const CLUSTER_SPARK_MASTER = 'yarn';

export interface ClusterWorkerOptions {
  /** Per-cluster SSH private keys (the store the Clusters service writes them to). */
  secrets: SecretStore;
  /** The Spark master of runs on a cluster (default YARN; tests run a local Spark on the stand-in master). */
  sparkMaster?: string;
  /** The login on the master (default hadoop; tests log in as the loopback sshd's user). */
  sshUser?: string;
  now?: () => Date;
}

/** The extras of a source whose workers run Spark jobs on a Spark master of their own. */
export interface SparkWorkerSource extends WorkerSource {
  sparkMaster(workerId: string): string | undefined;
}

/**
 * The master node of each live Spark cluster as a worker: listed by `workers:list` beside the
 * SSH hosts and EC2 workers, under the cluster's own id (`emr-...`), reached as `hadoop` with the
 * cluster's private key over the shared connections, and so a place for terminals, files,
 * transfers and runs. EMR takes no host key at launch, so the master's key cannot be pinned
 * before the first connection: it is confirmed by the user then (as for an SSH host) and kept
 * in the app's known_hosts, which refuses any other key afterwards.
 */
export function clusterWorkerSource(clusters: Clusters, options: ClusterWorkerOptions): SparkWorkerSource {
  const now = options.now ?? (() => new Date());
  const user = options.sshUser ?? EMR_MASTER_USER;
  const asWorker = (record: ClusterRecord): WorkerInfo => asWorkerInfo(record, now(), user);
  return {
    owns: (workerId) => workerId.startsWith('emr-'),
    removeHint: "A Spark cluster's master node is not removed but terminated with its cluster: use Terminate in the Spark clusters list (or 'workbench cluster terminate').",
    // Only clusters whose master is up and has an address: a launch still starting is no place to work.
    list: async () => (await clusters.records()).filter((r) => hasMaster(r)).map(asWorker),
    info: async (workerId) => asWorker(await clusters.get(workerId)),
    endpoint: async (workerId) => {
      const record = await clusters.get(workerId);
      if (!hasMaster(record)) {
        const why = (LIVE_STATES as readonly string[]).includes(record.state) ? 'its master node has no address yet (refresh the Spark clusters list once it runs)' : `it is ${record.state}`;
        throw new WorkbenchError('UNAVAILABLE', `${record.name} cannot be reached over SSH: ${why}.`);
      }
      const privateKey = record.hasKey ? await options.secrets.get(clusterKeySecret(record.id)) : undefined;
      if (!privateKey) {
        throw new WorkbenchError('UNAVAILABLE', `${record.name} cannot be reached over SSH: the app does not hold its key (it was launched from another data dir or computer).`);
      }
      const endpoint: SshEndpoint = { workerId, name: record.name, host: record.masterAddress as string, user, privateKeys: [privateKey] };
      return endpoint;
    },
    sparkMaster: (workerId) => (workerId.startsWith('emr-') ? (options.sparkMaster ?? CLUSTER_SPARK_MASTER) : undefined),
  };
}

function hasMaster(record: ClusterRecord): boolean {
  return Boolean(record.masterAddress && record.clusterId) && (LIVE_STATES as readonly string[]).includes(record.state);
}

function asWorkerInfo(record: ClusterRecord, now: Date, user: string): WorkerInfo {
  const shown = toView(record, now);
  return {
    id: record.id,
    kind: 'cluster',
    name: record.name,
    ...(record.masterAddress ? { host: record.masterAddress } : {}),
    user,
    state: 'disconnected',
    ...(record.message ? { message: record.message } : {}),
    cluster: {
      region: record.region,
      clusterId: record.clusterId ?? '',
      clusterState: record.state,
      instanceType: record.instanceType,
      coreNodes: record.coreNodes,
      launchedAt: record.launchedAt,
      deadline: record.deadline,
      secondsLeft: shown.secondsLeft,
      hourlyUsd: shown.hourlyUsd,
      costUsd: shown.costUsd,
      reachable: record.hasKey,
    },
  };
}
