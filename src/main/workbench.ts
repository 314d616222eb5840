import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostKind, Notice } from '../shared/model.ts';
import { EventHub } from './events.ts';
import { createDispatcher, type Dispatch, type Handlers } from './rpc.ts';
import { ExampleCatalog } from './services/jobs/examples.ts';
import { JobService } from './services/jobs/job-service.ts';
import { RunStore } from './services/jobs/run-store.ts';
import { WorkerRuntime } from './services/jobs/runtime.ts';
import { SampleDataService } from './services/jobs/sample-data.ts';
import { SettingsService } from './services/settings/settings-service.ts';
import { createSshServices, type SshServices } from './services/ssh/ssh-services.ts';
import { DocumentStore } from './services/store/document-store.ts';
import { LocalTransport } from './services/workers/local.ts';
import { WorkbenchError } from '../shared/errors.ts';
import { APP_NAME, APP_VERSION } from './version.ts';

export interface WorkbenchOptions {
  dataDir: string;
  host: HostKind;
  /** The app's resources folder (worker runtime, examples). */
  resourcesDir: string;
}

export interface Workbench {
  dataDir: string;
  hub: EventHub;
  dispatch: Dispatch;
  handlers: Handlers;
  jobs: JobService;
  ssh: SshServices;
  close(): Promise<void>;
}

/** The composition root: every service built from a data dir, bound to the contract once. */
export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  const store = new DocumentStore(options.dataDir);
  const settings = new SettingsService(store, (value) => hub.emit('settings:changed', value));
  const notices: Notice[] = [...(await settings.load())];

  const local = new LocalTransport(join(options.dataDir, 'worker'));
  const examples = new ExampleCatalog(join(options.resourcesDir, 'examples'));
  const sampleData = new SampleDataService(local, join(options.resourcesDir, 'examples', 'generate_sample_data.py'), join(options.dataDir, 'sample-data'));
  const jobs = new JobService({
    hub,
    runs: new RunStore(store),
    runtime: new WorkerRuntime(join(options.resourcesDir, 'worker')),
    examples,
    transports: (workerId) => {
      if (workerId === 'local') return local;
      throw new WorkbenchError('NOT_FOUND', `There is no worker ${workerId}.`);
    },
    resultsDir: join(options.dataDir, 'results'),
    defaultDataDir: () => sampleData.path,
  });
  if (options.host !== 'cli') await jobs.reattach();

  const ssh = createSshServices({ dataDir: options.dataDir, hub, store });

  const handlers: Handlers = {
    ...ssh.handlers,
    'app:info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      dataDir: options.dataDir,
      host: options.host,
      platform: process.platform,
      notices,
    }),
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
    'jobs:result': async ({ runId, maxBytes }) => (await jobs.result(runId, maxBytes)) ?? null,
  };

  return {
    dataDir: options.dataDir,
    hub,
    handlers,
    dispatch: createDispatcher(handlers),
    jobs,
    ssh,
    close: async () => {
      ssh.close();
      jobs.close();
    },
  };
}
