import { join } from 'node:path';
import { WorkbenchError } from '../shared/errors.ts';
import { makeDataDir } from './data-dir.ts';
import type { HostKind, Notice } from '../shared/model.ts';
import { EventHub } from './events.ts';
import { createDispatcher, type Dispatch, type Handlers } from './rpc.ts';
import { ExampleCatalog } from './services/jobs/examples.ts';
import { JobService } from './services/jobs/job-service.ts';
import { RUNS_DOCUMENT, RunStore } from './services/jobs/run-store.ts';
import { WorkerRuntime } from './services/jobs/runtime.ts';
import { SampleDataService } from './services/jobs/sample-data.ts';
import { PackagerService } from './services/packager/packager-service.ts';
import { SETTINGS_DOCUMENT, SettingsService } from './services/settings/settings-service.ts';
import { createSshServices, type SshServices } from './services/ssh/ssh-services.ts';
import { transferHandlers } from './services/ssh/transfers/transfer-handlers.ts';
import { TransferService } from './services/ssh/transfers/transfer-service.ts';
import { TRANSFERS_DOCUMENT } from './services/ssh/transfers/transfer-store.ts';
import { AWS_DOCUMENT } from './services/credentials/credentials-service.ts';
import { LOCAL_DOCUMENT } from './services/schedules/local-backend.ts';
import { ALERTS_DOCUMENT, SCHEDULES_DOCUMENT } from './services/schedules/schedule-store.ts';
import { EC2_DOCUMENT } from './services/workers/ec2/ec2-store.ts';
import { WORKERS_DOCUMENT } from './services/workers/worker-registry.ts';
import { createPublishServices } from './services/publish/publish-services.ts';
import { awsPermissionsHandler, awsScheduleBackend } from './services/schedules/aws-backend-factory.ts';
import { createScheduleServices, type ScheduleServices, type ScheduleServicesOptions } from './services/schedules/schedule-services.ts';
import { createEc2Services, type Ec2Services, type Ec2ServicesOptions } from './services/workers/ec2/ec2-services.ts';
import { ec2WorkerSource } from './services/workers/ec2/ec2-worker-source.ts';
import { WorkspaceService } from './services/workspace/workspace-service.ts';
import { DocumentStore } from './services/store/document-store.ts';
import { LocalTransport } from './services/workers/local.ts';
import { TransportProvider } from './services/workers/transport-provider.ts';
import { localFetchSession, transferFetchSession } from './services/jobs/output-fetch.ts';
import type { Ec2List } from '../shared/ec2-model.ts';
import type { WorkerState } from '../shared/worker-model.ts';
import { APP_NAME, APP_VERSION } from './version.ts';

export interface WorkbenchOptions {
  dataDir: string;
  host: HostKind;
  /** The app's resources folder (worker runtime, examples). */
  resourcesDir: string;
  /** Electron's safeStorage (the desktop host only): encrypts entered AWS keys and worker keys. */
  safeStorage?: Ec2ServicesOptions['safeStorage'];
  /** Tests replace EC2 clients, keys or the clock. */
  ec2Overrides?: Ec2ServicesOptions['overrides'];
  /** Tests give a worker a deadline without launching it. */
  jobOverrides?: { workerDeadline?: (workerId: string) => string | undefined };
  /** Tests give schedules a fake clock, a faster poll, or an AWS backend. */
  scheduleOverrides?: Partial<Pick<ScheduleServicesOptions, 'now' | 'pollMs' | 'aws'>>;
}

export interface Workbench {
  dataDir: string;
  hub: EventHub;
  dispatch: Dispatch;
  handlers: Handlers;
  jobs: JobService;
  ssh: SshServices;
  ec2: Ec2Services;
  schedules: ScheduleServices;
  /** Uploads and downloads of every worker (`download` + `settled` for other services). */
  transfers: TransferService;
  close(): Promise<void>;
}

/** Every document the workbench keeps in its data dir (each checked at start). */
export const DOCUMENTS = [SETTINGS_DOCUMENT, RUNS_DOCUMENT, TRANSFERS_DOCUMENT, WORKERS_DOCUMENT, EC2_DOCUMENT, AWS_DOCUMENT, SCHEDULES_DOCUMENT, LOCAL_DOCUMENT, ALERTS_DOCUMENT] as const;

/**
 * A document written by a newer version is left alone and already a start-up notice: the
 * service that needs it refuses its calls with that message, and the rest of the app starts.
 */
function unlessNewerData(err: unknown): void {
  if (!(err instanceof WorkbenchError && err.code === 'NEWER_DATA')) throw err;
}

/** The composition root: every service built from a data dir, bound to the contract once. */
export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  await makeDataDir(options.dataDir);
  const hub = new EventHub();
  const store = new DocumentStore(options.dataDir);
  const settings = new SettingsService(store, (value) => hub.emit('settings:changed', value));
  // A damaged document is set aside with a kept notice before any service reads it.
  const notices: Notice[] = await store.check(DOCUMENTS);

  const local = new LocalTransport(join(options.dataDir, 'worker'));
  const examples = new ExampleCatalog(join(options.resourcesDir, 'examples'));
  const sampleData = new SampleDataService(local, join(options.resourcesDir, 'examples', 'generate_sample_data.py'), join(options.dataDir, 'sample-data'));
  const packager = new PackagerService({ hub, runnerDir: join(options.resourcesDir, 'worker', 'mapreduce') });
  // EC2 workers are reached through the same SSH connections (terminals, files), by their own endpoint.
  const ssh = createSshServices({ dataDir: options.dataDir, hub, store, source: ec2WorkerSource(() => ec2.workers) });
  const transfers = new TransferService({
    store,
    connect: (workerId) => ssh.connect(workerId),
    emit: (snapshot) => hub.emit('transfers:changed', snapshot),
    downloadDir: join(options.dataDir, 'downloads'),
    stagingDir: join(options.dataDir, 'staging'),
    connectionState: (workerId) => ssh.connections.state(workerId),
    onPersistError: (err) => console.error(`workbench: could not save the transfer list: ${err instanceof Error ? err.message : String(err)}`),
  });
  // Transfers an earlier session left unfinished are offered again (a damaged list is set aside).
  await transfers.load().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!notices.some((n) => n.message === message)) notices.push({ level: 'warning', message });
  });
  // A dropped connection that comes back resumes the transfers it broke.
  const connectionWatch = hub.connect((batch) => {
    for (const { payload } of batch) transfers.connectionChanged((payload as WorkerState).workerId, (payload as WorkerState).state);
  });
  connectionWatch.subscribe({ topic: 'workers:state' });
  const transports = new TransportProvider(local, ssh.workers, ssh.connections);
  // One runtime for runs and schedules: fingerprinted once, installed once per worker.
  const runtime = new WorkerRuntime(join(options.resourcesDir, 'worker'));
  const jobs = new JobService({
    hub,
    packages: packager,
    runs: new RunStore(store),
    runtime,
    examples,
    transports: (workerId) => transports.get(workerId),
    resultsDir: join(options.dataDir, 'results'),
    defaultDataDir: () => sampleData.path,
    openFetch: async (workerId) => (workerId === 'local' ? localFetchSession() : transferFetchSession(transfers, workerId)),
    autoDownload: async () => (await settings.get()).autoDownloadResults,
    workerDeadline: async (workerId) => options.jobOverrides?.workerDeadline?.(workerId) ?? (workerId.startsWith('ec2-') ? (await ec2.workers.records()).find((r) => r.id === workerId)?.deadline : undefined),
    workerName: async (workerId) => (await ssh.workers.get(workerId)).name,
  });
  if (options.host !== 'cli') await jobs.reattach().catch(unlessNewerData);
  const workspaces = new WorkspaceService({
    workspacesDir: join(options.dataDir, 'workspaces'),
    examples,
    changed: (root, paths) => hub.emit('workspace:changed', { root, paths }, root),
  });

  const ec2: Ec2Services = createEc2Services({
    dataDir: options.dataDir,
    resourcesDir: options.resourcesDir,
    hub,
    store,
    connections: ssh.connections,
    regions: async () => (await settings.get()).regions,
    ...(options.safeStorage ? { safeStorage: options.safeStorage } : {}),
    ...(options.ec2Overrides ? { overrides: options.ec2Overrides } : {}),
  });
  // Nothing trusts the app to stay open, but an open app shows what AWS has (and warns).
  if (options.host !== 'cli') ec2.workers.start();
  // Runs on an EC2 worker that was terminated end with it (a removed SSH host: see workers:remove).
  const terminated = hub.connect((batch) => {
    for (const event of batch) {
      for (const worker of (event.payload as Ec2List).workers) {
        // Shutting down means terminating: EC2 workers are launched with shutdown behaviour "terminate".
        if (worker.state === 'terminated' || worker.state === 'shutting-down') void jobs.workerGone(worker.id, `The EC2 worker ${worker.name} was terminated; the run ended with it.`);
      }
    }
  });
  terminated.subscribe({ topic: 'ec2:workers' });

  const awsSchedules = { credentials: ec2.credentials, settings, resourcesDir: options.resourcesDir, lookup: (name: string) => schedules.service.get(name).catch(() => undefined) };
  const schedules = createScheduleServices({
    dataDir: options.dataDir,
    hub,
    store,
    transports: (workerId) => transports.get(workerId),
    runtime,
    jobEnv: () => ({ DATA_DIR: sampleData.path }),
    aws: awsScheduleBackend(awsSchedules),
    ...options.scheduleOverrides,
  });
  const publish = createPublishServices({ hub, jobs, settings, credentials: ec2.credentials, resourcesDir: options.resourcesDir });
  // The local backend runs schedules only while the app is open; the CLI only edits them.
  if (options.host !== 'cli') await schedules.start().catch(unlessNewerData);

  const handlers: Handlers = {
    ...ssh.handlers,
    ...ec2.handlers,
    ...transferHandlers(transfers),
    ...schedules.handlers,
    ...publish.handlers,
    ...awsPermissionsHandler(awsSchedules),
    // This start's notices, then the kept ones (a damaged file set aside, now or at an earlier start).
    'app:info': async () => ({
      name: APP_NAME,
      version: APP_VERSION,
      dataDir: options.dataDir,
      host: options.host,
      platform: process.platform,
      notices: [...notices, ...(await store.notices.list())],
    }),
    'app:dismiss-notice': async ({ id }) => (await store.notices.dismiss(id), null),
    'settings:get': () => settings.get(),
    'settings:set': (patch) => settings.set(patch),
    'jobs:examples': () => examples.list(),
    'jobs:sample-data': () => sampleData.describe(),
    'jobs:generate-sample-data': ({ sizeMb }) => sampleData.generate(sizeMb),
    'jobs:start': (request) => jobs.start(request),
    'jobs:list': () => jobs.list(),
    'jobs:get': ({ runId }) => jobs.get(runId),
    'jobs:log': ({ runId, offset, limit }) => jobs.readLog(runId, offset, limit),
    'jobs:cancel': ({ runId }) => jobs.cancel(runId),
    'jobs:result': async ({ runId, maxBytes, name }) => (await jobs.results.result(runId, maxBytes, name)) ?? null,
    'jobs:outputs': ({ runId }) => jobs.results.listOutputs(runId),
    'jobs:download': ({ runId, names }) => jobs.results.download(runId, names),
    'jobs:download-worker-results': ({ workerId }) => jobs.results.downloadAllFrom(workerId),
    'workers:remove': async (input) => {
      const removed = await ssh.handlers['workers:remove'](input);
      transports.forget(input.workerId);
      await jobs.workerGone(input.workerId, 'The worker was removed from the app; the run can no longer be followed.');
      return removed;
    },
    'packager:scan': (request) => packager.scan(request),
    'packager:generate-wrapper': (spec) => packager.generateWrapper(spec),
    'packager:build': (request) => packager.build(request),
    'packager:cancel': ({ buildId }) => packager.cancel(buildId),
    'packager:inspect': ({ path }) => packager.inspect(path),
    'packager:test-run': ({ path, timeoutMinutes, worker }) => jobs.start({ source: { kind: 'package', path }, timeoutMinutes, worker }),
    'workspace:list': () => workspaces.list(),
    'workspace:open': ({ path }) => workspaces.openFolder(path),
    'workspace:close': ({ root }) => (workspaces.close(root), null),
    'workspace:new': ({ name, from }) => workspaces.newJob(name, from),
    'workspace:tree': ({ root }) => workspaces.tree(root),
    'workspace:read': ({ root, path, large }) => workspaces.read(root, path, large),
    'workspace:write': ({ root, path, text }) => workspaces.write(root, path, text),
    'workspace:create': async ({ root, path, kind }) => (await workspaces.create(root, path, kind), null),
    'workspace:rename': async ({ root, from, to }) => (await workspaces.rename(root, from, to), null),
    'workspace:delete': async ({ root, path }) => (await workspaces.delete(root, path), null),
    'workspace:check-python': ({ root, path, text }) => workspaces.checkPython(root, path, text),
  };

  return {
    dataDir: options.dataDir,
    hub,
    handlers,
    dispatch: createDispatcher(handlers),
    jobs,
    ssh,
    ec2,
    schedules,
    transfers,
    close: async () => {
      terminated.close();
      schedules.close();
      // First, while connections are up: moving transfers are saved as they are, to be offered again.
      connectionWatch.close();
      await transfers.close();
      ssh.close();
      ec2.close();
      workspaces.closeAll();
      jobs.close();
    },
  };
}
