import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterEnded } from '../../shared/cluster-model.ts';
import { WorkbenchError } from '../../shared/errors.ts';
import { RunRequest } from '../../shared/model.ts';
import { resolveSource } from '../services/jobs/job-source.ts';
import { INSTANCE_TYPES } from '../../shared/ec2-model.ts';
import { DataSourceService, listOnWorker, localCores, runnerS3Env } from '../services/jobs/data-sources.ts';
import { ExampleCatalog } from '../services/jobs/examples.ts';
import { JobService } from '../services/jobs/job-service.ts';
import { localFetchSession, transferFetchSession } from '../services/jobs/output-fetch.ts';
import { RunStore } from '../services/jobs/run-store.ts';
import { WorkerRuntime } from '../services/jobs/runtime.ts';
import { SampleDataService } from '../services/jobs/sample-data.ts';
import type { AwsDomain } from './aws.ts';
import type { Core, Domain } from './domain.ts';
import type { Ec2Domain } from './ec2.ts';
import type { PackagerDomain } from './packager.ts';
import type { SettingsDomain } from './settings.ts';
import type { TransfersDomain } from './transfers.ts';
import type { WorkersDomain } from './workers.ts';

type JobCalls =
  | 'jobs:examples'
  | 'jobs:sample-data'
  | 'jobs:generate-sample-data'
  | 'jobs:start'
  | 'jobs:engines'
  | 'jobs:list'
  | 'jobs:match-preview'
  | 'data-sources:list'
  | 'data-sources:upload-sample'
  | 'data-sources:add'
  | 'data-sources:remove'
  | 'jobs:get'
  | 'jobs:attach'
  | 'jobs:log'
  | 'jobs:cancel'
  | 'jobs:result'
  | 'jobs:outputs'
  | 'jobs:download'
  | 'jobs:download-worker-results'
  | 'packager:test-run';

export interface JobsDomainOptions {
  /** Tests give a worker a deadline without launching it. */
  workerDeadline?: (workerId: string) => string | undefined;
}

export interface JobsDomain extends Domain<JobCalls> {
  jobs: JobService;
  examples: ExampleCatalog;
  /** The generated sample telemetry data set: the data of a run (or scheduled job) that names none. */
  sampleData: SampleDataService;
  /** One runtime for runs and schedules: fingerprinted once, installed once per worker. */
  runtime: WorkerRuntime;
  /** Saved data sources and what a filter matches in one. */
  dataSources: DataSourceService;
}

/**
 * Map/reduce runs on any worker: started, followed live through restarts, their output
 * downloaded. A run ends with its worker: removed from the app, or an EC2 worker terminated.
 */
export function createJobsDomain(
  core: Pick<Core, 'dataDir' | 'resourcesDir' | 'bus' | 'store'>,
  deps: { settings: SettingsDomain; aws: AwsDomain; workers: WorkersDomain; transfers: TransfersDomain; ec2: Ec2Domain; packager: PackagerDomain },
  options: JobsDomainOptions = {},
): JobsDomain {
  const { workers } = deps;
  const examples = new ExampleCatalog(join(core.resourcesDir, 'examples'));
  const sampleData = new SampleDataService(workers.local, join(core.resourcesDir, 'examples', 'generate_sample_data.py'), join(core.dataDir, 'sample-data'));
  const runtime = new WorkerRuntime(join(core.resourcesDir, 'worker'));
  const jobs = new JobService({
    bus: core.bus,
    packages: deps.packager.packager,
    runs: new RunStore(core.store),
    runtime,
    examples,
    transports: (workerId) => workers.transports.get(workerId),
    resultsDir: join(core.dataDir, 'results'),
    defaultDataDir: () => sampleData.path,
    s3Env: () => runnerS3Env(deps.aws.credentials),
    openFetch: async (workerId) => (workerId === 'local' ? localFetchSession() : transferFetchSession(deps.transfers.transfers, workerId)),
    autoDownload: async () => (await deps.settings.settings.get()).autoDownloadResults,
    s3CacheGb: async () => (await deps.settings.settings.get()).s3CacheGb,
    workerDeadline: async (workerId) =>
      options.workerDeadline?.(workerId) ??
      (workerId.startsWith('ec2-') ? (await deps.ec2.workers.records()).find((r) => r.id === workerId)?.deadline : undefined) ??
      // A Spark cluster ends at the deadline AWS enforces.
      (workerId.startsWith('emr-') ? (await workers.registry.describe(workerId)).cluster?.deadline : undefined),
    workerName: async (workerId) => (await workers.registry.get(workerId)).name,
    // A Spark cluster's master node runs jobs on the cluster's own Spark master (YARN).
    sparkMaster: (workerId) => workers.registry.sparkMaster(workerId),
  });

  const dataSources = new DataSourceService({
    workerFolder: async (workerId, path, filter) => {
      const transport = await workers.transports.get(workerId);
      return listOnWorker(transport, await runtime.ensure(transport), path, filter, (await workers.registry.get(workerId)).name);
    },
    jobFilter: async (job) => {
      const source = await resolveSource(RunRequest.parse({ source: job }), examples);
      return readFile(join(source.dir, 'filter.json'), 'utf8').catch(() => {
        throw new WorkbenchError('BAD_INPUT', `${source.dir} has no filter.json; write a filter for the job or add that file.`);
      });
    },
    store: core.store,
    credentials: deps.aws.credentials,
    workerPlace: async (workerId) => {
      if (workerId === 'local') return { cores: localCores() };
      const record = workerId.startsWith('ec2-') ? (await deps.ec2.workers.records()).find((r) => r.id === workerId) : undefined;
      const vcpu = record && INSTANCE_TYPES.find((t) => t.type === record.instanceType)?.vcpu;
      if (record && vcpu) return { cores: vcpu, region: record.region };
      // Any other worker says how many cores it has.
      const transport = await workers.transports.get(workerId);
      const answer = await transport.exec(['getconf', '_NPROCESSORS_ONLN'], { timeoutMs: 15_000 });
      const cores = Number(answer.stdout.trim());
      return { cores: answer.code === 0 && cores > 0 ? cores : 1, ...(record && { region: record.region }) };
    },
  });

  workers.onRemoved((workerId) => jobs.workerGone(workerId, 'The worker was removed from the app; the run can no longer be followed.'));
  const stopWatchingEc2 = core.bus.on('ec2:workers', ({ workers: list }) => {
    for (const worker of list) {
      // Shutting down means terminating: EC2 workers are launched with shutdown behaviour "terminate".
      if (worker.state === 'terminated' || worker.state === 'shutting-down') void jobs.workerGone(worker.id, `The EC2 worker ${worker.name} was terminated; the run ended with it.`);
    }
  });

  const stopWatchingClusters = core.bus.on('clusters:changed', ({ clusters }) => {
    for (const cluster of clusters) {
      if (clusterEnded(cluster.state)) void jobs.workerGone(cluster.id, `The Spark cluster ${cluster.name} was terminated; the run ended with it.`);
    }
  });

  return {
    jobs,
    examples,
    sampleData,
    runtime,
    dataSources,
    handlers: {
      'jobs:examples': () => examples.list(),
      'jobs:sample-data': () => sampleData.describe(),
      'jobs:generate-sample-data': ({ sizeMb }) => sampleData.generate(sizeMb),
      'jobs:start': (request) => jobs.start(request),
      'jobs:engines': ({ worker }) => jobs.engines(worker),
      'jobs:list': () => jobs.list(),
      'jobs:match-preview': (request) => dataSources.preview(request),
      'data-sources:list': () => dataSources.list(),
      'data-sources:upload-sample': ({ to }) => dataSources.upload(sampleData.path, to, (progress) => core.bus.emit('data-sources:upload', progress, to)),
      'data-sources:add': (source) => dataSources.add(source),
      'data-sources:remove': ({ location }) => dataSources.remove(location),
      'jobs:get': ({ runId }) => jobs.get(runId),
      'jobs:attach': ({ runId, from }) => jobs.attach(runId, from),
      'jobs:log': ({ runId, offset, limit }) => jobs.readLog(runId, offset, limit),
      'jobs:cancel': ({ runId }) => jobs.cancel(runId),
      'jobs:result': async ({ runId, maxBytes, name }) => (await jobs.results.result(runId, maxBytes, name)) ?? null,
      'jobs:outputs': ({ runId }) => jobs.results.listOutputs(runId),
      'jobs:download': ({ runId, names }) => jobs.results.download(runId, names),
      'jobs:download-worker-results': ({ workerId }) => jobs.results.downloadAllFrom(workerId),
      // A test run is a run: a package unpacked into a fresh run, followed like any other.
      'packager:test-run': ({ path, timeoutMinutes, worker }) => jobs.start({ source: { kind: 'package', path }, timeoutMinutes, worker }),
    },
    // Runs that were going when the app stopped are followed again.
    start: () => jobs.reattach(),
    close: () => {
      stopWatchingEc2();
      stopWatchingClusters();
      jobs.close();
    },
  };
}
