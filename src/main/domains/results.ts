import { join } from 'node:path';
import { activeS3 } from '../services/publish/active-aws.ts';
import { ScheduledResults } from '../services/results/scheduled-results.ts';
import type { AwsDomain } from './aws.ts';
import type { Core, Domain } from './domain.ts';
import type { SchedulesDomain } from './schedules.ts';
import type { SettingsDomain } from './settings.ts';

type ResultsCalls = 'results:scheduled-runs' | 'results:open-scheduled' | 'results:scheduled-result' | 'results:cancel-download';

export interface ResultsDomain extends Domain<ResultsCalls> {
  scheduled: ScheduledResults;
}

/**
 * Scheduled runs in Results: their run records listed beside ordinary runs, and their output
 * read where it was published here, or downloaded from S3 (with progress) into
 * `<data>/results/scheduled/JOB/RUNID/` and read from that copy.
 */
export function createResultsDomain(
  core: Pick<Core, 'dataDir' | 'bus'>,
  deps: { settings: SettingsDomain; aws: AwsDomain; schedules: SchedulesDomain },
  options: { env?: NodeJS.ProcessEnv } = {},
): ResultsDomain {
  const { settings } = deps.settings;
  const scheduled = new ScheduledResults({
    schedules: deps.schedules.service,
    dataDir: core.dataDir,
    downloadsDir: join(core.dataDir, 'results', 'scheduled'),
    s3: () => activeS3(deps.aws.credentials, async () => (await settings.get()).regions[0], options.env),
    onProgress: (progress) => core.bus.emit('results:download-progress', progress, progress.downloadId),
  });
  return {
    scheduled,
    handlers: {
      'results:scheduled-runs': (input) => scheduled.runs(input?.job),
      'results:open-scheduled': ({ job, runId, downloadId }) => scheduled.open(job, runId, downloadId),
      'results:scheduled-result': ({ job, runId, maxBytes, name }) => scheduled.result(job, runId, maxBytes, name),
      'results:cancel-download': ({ downloadId }) => scheduled.cancel(downloadId),
    },
    close: () => scheduled.close(),
  };
}
