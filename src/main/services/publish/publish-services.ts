import { join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Settings } from '../../../shared/model.ts';
import type { EventHub } from '../../events.ts';
import type { Handlers } from '../../rpc.ts';
import type { CredentialsService } from '../credentials/credentials-service.ts';
import type { JobService } from '../jobs/job-service.ts';
import { activeS3 } from './active-aws.ts';
import { PublishService } from './publish-service.ts';

export interface PublishServicesOptions {
  hub: EventHub;
  jobs: Pick<JobService, 'get'>;
  settings: { get(): Promise<Settings> };
  credentials: CredentialsService;
  /** The app's resources folder: resources/worker/publish_guard.py is the guard. */
  resourcesDir: string;
  env?: NodeJS.ProcessEnv;
}

/** The `publish:*` calls: a finished run's downloaded output to S3, guarded when public. */
export function createPublishServices(options: PublishServicesOptions): { service: PublishService; handlers: Pick<Handlers, 'publish:scan' | 'publish:start' | 'publish:cancel'> } {
  const { hub, settings } = options;
  const service = new PublishService({
    runOutput: async (runId) => {
      const run = await options.jobs.get(runId);
      if (run.status === 'running') throw new WorkbenchError('BAD_INPUT', 'This run is still going; publish its output when it has ended.');
      if (!run.resultDir) throw new WorkbenchError('NOT_FOUND', 'This run has no downloaded output to publish; download it first.');
      return { folder: run.resultDir, jobName: run.jobName };
    },
    buckets: async () => {
      const s = await settings.get();
      return { public: s.publicBucket, private: s.privateBucket };
    },
    s3: () => activeS3(options.credentials, async () => (await settings.get()).regions[0], options.env),
    guardScript: join(options.resourcesDir, 'worker', 'publish_guard.py'),
    onProgress: (progress) => hub.emit('publish:progress', progress, progress.publishId),
  });
  return {
    service,
    handlers: {
      'publish:scan': ({ runId }) => service.scan(runId),
      'publish:start': (request) => service.start(request),
      'publish:cancel': ({ publishId }) => service.cancel(publishId),
    },
  };
}
