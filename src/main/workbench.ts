import type { HostKind, Notice } from '../shared/model.ts';
import { WorkbenchError } from '../shared/errors.ts';
import { EventBus } from './bus.ts';
import { makeDataDir } from './data-dir.ts';
import { createAppDomain } from './domains/app.ts';
import { createAwsDomain, type AwsDomainOptions } from './domains/aws.ts';
import { createClustersDomain, type ClustersDomain, type ClustersDomainOptions } from './domains/clusters.ts';
import { bindHandlers, type AnyDomain, type Core } from './domains/domain.ts';
import { createEc2Domain, type Ec2Domain, type Ec2DomainOptions } from './domains/ec2.ts';
import { createJobsDomain, type JobsDomainOptions } from './domains/jobs.ts';
import { createPackagerDomain } from './domains/packager.ts';
import { createPublishDomain } from './domains/publish.ts';
import { createResultsDomain } from './domains/results.ts';
import { createSchedulesDomain, type SchedulesDomain, type SchedulesDomainOptions } from './domains/schedules.ts';
import { createSettingsDomain } from './domains/settings.ts';
import { createSshDomain, type SshDomain } from './domains/ssh.ts';
import { createTransfersDomain } from './domains/transfers.ts';
import { createTunnelsDomain, type TunnelsDomainOptions } from './domains/tunnels.ts';
import { createWorkersDomain, type WorkersDomain } from './domains/workers.ts';
import { createWorkspaceDomain } from './domains/workspace.ts';
import { EventHub } from './events.ts';
import { createDispatcher, type Dispatch, type Handlers } from './rpc.ts';
import type { JobService } from './services/jobs/job-service.ts';
import { RUNS_DOCUMENT } from './services/jobs/run-store.ts';
import { SETTINGS_DOCUMENT } from './services/settings/settings-service.ts';
import type { TransferService } from './services/ssh/transfers/transfer-service.ts';
import { TRANSFERS_DOCUMENT } from './services/ssh/transfers/transfer-store.ts';
import { AWS_DOCUMENT } from './services/credentials/credentials-service.ts';
import { LOCAL_DOCUMENT } from './services/schedules/local-backend.ts';
import { ALERTS_DOCUMENT, SCHEDULES_DOCUMENT } from './services/schedules/schedule-store.ts';
import { DocumentStore } from './services/store/document-store.ts';
import { EC2_DOCUMENT } from './services/workers/ec2/ec2-store.ts';
import { CLUSTERS_DOCUMENT } from './services/clusters/cluster-store.ts';
import { WORKERS_DOCUMENT } from './services/workers/worker-registry.ts';

export interface WorkbenchOptions {
  dataDir: string;
  host: HostKind;
  /** The app's resources folder (worker runtime, examples). */
  resourcesDir: string;
  /** Electron's safeStorage (the desktop host only): encrypts entered AWS keys and worker keys. */
  safeStorage?: AwsDomainOptions['safeStorage'];
  /** Tests replace EC2 clients, keys or the clock. */
  ec2Overrides?: Ec2DomainOptions['overrides'];
  /** Tests replace the clusters' clock, address lookup or security group wait. */
  clusterOverrides?: ClustersDomainOptions['overrides'];
  /** Tests point clusters' UIs at a loopback server. */
  tunnelOverrides?: TunnelsDomainOptions;
  /** Tests give a worker a deadline without launching it. */
  jobOverrides?: JobsDomainOptions;
  /** Tests give schedules a fake clock, a faster poll, or an AWS backend. */
  scheduleOverrides?: Pick<SchedulesDomainOptions, 'now' | 'pollMs' | 'aws'>;
}

export interface Workbench {
  dataDir: string;
  /** The core's own events, typed, delivered at once: where in-process listeners subscribe. */
  bus: EventBus;
  /** The same events batched per frame, for transports (Electron IPC, WebSocket) only. */
  hub: EventHub;
  dispatch: Dispatch;
  handlers: Handlers;
  jobs: JobService;
  ssh: SshDomain;
  workers: WorkersDomain;
  ec2: Ec2Domain;
  clusters: ClustersDomain;
  schedules: SchedulesDomain;
  /** Uploads and downloads of every worker (`download` + `settled` for other services). */
  transfers: TransferService;
  close(): Promise<void>;
}

/** Every document the workbench keeps in its data dir (each checked at start). */
export const DOCUMENTS = [SETTINGS_DOCUMENT, RUNS_DOCUMENT, TRANSFERS_DOCUMENT, WORKERS_DOCUMENT, EC2_DOCUMENT, AWS_DOCUMENT, SCHEDULES_DOCUMENT, LOCAL_DOCUMENT, ALERTS_DOCUMENT, CLUSTERS_DOCUMENT] as const;

/**
 * A document written by a newer version is left alone and already a start-up notice: the
 * service that needs it refuses its calls with that message, and the rest of the app starts.
 */
function unlessNewerData(err: unknown): void {
  if (!(err instanceof WorkbenchError && err.code === 'NEWER_DATA')) throw err;
}

/**
 * The composition root: the core (data dir, document store, event bus), then every domain in
 * dependency order, each from the domains built before it, bound to the contract once.
 */
export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  await makeDataDir(options.dataDir);
  const bus = new EventBus();
  // Every event of the core also goes out to the transports, batched per frame.
  const hub = new EventHub();
  bus.onEvery((event) => hub.publish(event));
  const store = new DocumentStore(options.dataDir);
  // A damaged document is set aside with a kept notice before any domain reads it.
  const notices: Notice[] = await store.check(DOCUMENTS);
  const core: Core = { dataDir: options.dataDir, resourcesDir: options.resourcesDir, host: options.host, bus, store, notices };

  const app = createAppDomain(core);
  const settings = createSettingsDomain(core);
  const aws = createAwsDomain(core, options.safeStorage ? { safeStorage: options.safeStorage } : {});
  const ssh = createSshDomain(core);
  const ec2 = createEc2Domain(core, { aws, ssh, settings }, options.ec2Overrides ? { overrides: options.ec2Overrides } : {});
  const clusters = createClustersDomain(core, { aws, settings, ec2 }, options.clusterOverrides ? { overrides: options.clusterOverrides } : {});
  const workers = createWorkersDomain(core, { ssh, ec2, clusters });
  const tunnels = createTunnelsDomain(core, { workers, clusters }, options.tunnelOverrides ?? {});
  const transfers = await createTransfersDomain(core, { ssh, workers });
  const packager = createPackagerDomain(core);
  const jobs = createJobsDomain(core, { settings, aws, workers, transfers, ec2, packager }, options.jobOverrides);
  const workspace = createWorkspaceDomain(core, { jobs });
  const schedules = createSchedulesDomain(core, { settings, aws, workers, jobs }, options.scheduleOverrides);
  const publish = createPublishDomain(core, { settings, aws, jobs });
  const results = createResultsDomain(core, { settings, aws, schedules });

  const domains: Record<string, AnyDomain> = { app, settings, aws, ssh, ec2, clusters, workers, tunnels, transfers, packager, jobs, workspace, schedules, publish, results };
  const handlers = bindHandlers(domains);
  const close = async () => {
    // Reverse build order: a domain stops before those it uses (transfers are saved while connections are up).
    for (const domain of Object.values(domains).reverse()) await domain.close?.();
  };

  // The command line only calls; an open host also runs each domain's background work. Runs are
  // followed again before AWS is asked about EC2 workers, and schedules run once both are up.
  const startOrder: AnyDomain[] = [jobs, ec2, clusters, schedules];
  const unstarted = Object.entries(domains).filter(([, domain]) => domain.start && !startOrder.includes(domain));
  if (unstarted.length > 0) throw new Error(`The ${unstarted.map(([name]) => name).join(', ')} domain has work to start; give it its place in startOrder.`);
  if (options.host !== 'cli') {
    try {
      for (const domain of startOrder) await Promise.resolve(domain.start?.()).catch(unlessNewerData);
    } catch (err) {
      await close();
      throw err;
    }
  }

  return {
    dataDir: options.dataDir,
    bus,
    hub,
    handlers,
    dispatch: createDispatcher(handlers),
    jobs: jobs.jobs,
    ssh,
    workers,
    ec2,
    clusters,
    schedules,
    transfers: transfers.transfers,
    close,
  };
}
