import { Clusters, type ClustersOptions } from '../services/clusters/cluster-service.ts';
import { clusterWorkerSource, type ClusterWorkerOptions, type SparkWorkerSource } from '../services/clusters/cluster-worker-source.ts';
import type { AwsDomain } from './aws.ts';
import type { Core, Domain } from './domain.ts';
import type { Ec2Domain } from './ec2.ts';
import type { SettingsDomain } from './settings.ts';

export interface ClustersDomainOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Tests replace the clock, the address lookup or the security group wait, and, for a loopback
   * sshd standing in for a master node, its login and the Spark master of runs there.
   */
  overrides?: Partial<Pick<ClustersOptions, 'now' | 'myAddress' | 'groupRelease'> & Pick<ClusterWorkerOptions, 'sparkMaster' | 'sshUser'>>;
}

export interface ClustersDomain extends Domain<'clusters:estimate' | 'clusters:launch' | 'clusters:list' | 'clusters:extend' | 'clusters:terminate'> {
  clusters: Clusters;
  /** The clusters' master nodes as workers (for the worker registry). */
  workerSource: SparkWorkerSource;
}

/**
 * Spark clusters on EMR, ended at their deadline by a schedule in AWS. Their SSH keys are kept
 * where EC2 workers' keys are, and the default SSH source is found as for EC2 workers.
 */
export function createClustersDomain(
  core: Pick<Core, 'bus' | 'store'>,
  deps: { aws: AwsDomain; settings: SettingsDomain; ec2: Ec2Domain },
  options: ClustersDomainOptions = {},
): ClustersDomain {
  const { sparkMaster, sshUser, ...overrides } = options.overrides ?? {};
  const clusters = new Clusters({
    store: core.store,
    credentials: deps.aws.credentials,
    secrets: deps.ec2.workers.secrets,
    regions: async () => (await deps.settings.settings.get()).regions,
    myAddress: () => deps.ec2.workers.myAddress(),
    onChange: (list) => core.bus.emit('clusters:changed', list),
    onWarning: (warning) => core.bus.emit('clusters:warning', warning, warning.workerId),
    ...(options.env ? { env: options.env } : {}),
    ...overrides,
  });
  const workerSource = clusterWorkerSource(clusters, {
    secrets: deps.ec2.workers.secrets,
    ...(sparkMaster ? { sparkMaster } : {}),
    ...(sshUser ? { sshUser } : {}),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  return {
    clusters,
    workerSource,
    handlers: {
      'clusters:estimate': (request) => clusters.estimate(request),
      'clusters:launch': (request) => clusters.launch(request),
      'clusters:list': () => clusters.list(),
      'clusters:extend': ({ clusterId, hours }) => clusters.extend(clusterId, hours),
      'clusters:terminate': ({ clusterId }) => clusters.terminate(clusterId),
    },
    // The schedules in AWS end the clusters; an open app shows what AWS has and adopts strangers.
    // ... and warns before a deadline, as for EC2 workers.
    start: () => clusters.start(),
    close: () => clusters.close(),
  };
}
