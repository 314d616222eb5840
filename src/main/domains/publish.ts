import { join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.ts';
import { activeS3 } from '../services/publish/active-aws.ts';
import { PublishService } from '../services/publish/publish-service.ts';
import type { AwsDomain } from './aws.ts';
import type { Core, Domain } from './domain.ts';
import type { JobsDomain } from './jobs.ts';
import type { SettingsDomain } from './settings.ts';

/** A finished run's downloaded output published to S3, guarded (publish_guard.py) when public. */
export function createPublishDomain(
  core: Pick<Core, 'bus' | 'resourcesDir'>,
  deps: { settings: SettingsDomain; aws: AwsDomain; jobs: JobsDomain },
  options: { env?: NodeJS.ProcessEnv } = {},
): Domain<'publish:scan' | 'publish:start' | 'publish:cancel'> {
  const { settings } = deps.settings;
  const service = new PublishService({
    runOutput: async (runId) => {
      const run = await deps.jobs.jobs.get(runId);
      if (run.status === 'running') throw new WorkbenchError('BAD_INPUT', 'This run is still going; publish its output when it has ended.');
      if (!run.resultDir) throw new WorkbenchError('NOT_FOUND', 'This run has no downloaded output to publish; download it first.');
      return { folder: run.resultDir, jobName: run.jobName };
    },
    buckets: async () => {
      const s = await settings.get();
      return { public: s.publicBucket, private: s.privateBucket };
    },
    s3: () => activeS3(deps.aws.credentials, async () => (await settings.get()).regions[0], options.env),
    guardScript: join(core.resourcesDir, 'worker', 'publish_guard.py'),
    onProgress: (progress) => core.bus.emit('publish:progress', progress, progress.publishId),
  });
  return {
    handlers: {
      'publish:scan': ({ runId }) => service.scan(runId),
      'publish:start': (request) => service.start(request),
      'publish:cancel': ({ publishId }) => service.cancel(publishId),
    },
  };
}
