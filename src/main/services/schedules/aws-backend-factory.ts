import { join } from 'node:path';
import type { Settings } from '../../../shared/model.ts';
import type { Schedule } from '../../../shared/schedule.ts';
import type { CredentialsService } from '../credentials/credentials-service.ts';
import { activeScheduleClients } from '../publish/active-aws.ts';
import { AwsScheduleBackend } from './aws-backend.ts';
import type { ScheduleBackend } from './backend.ts';

export interface AwsScheduleBackendDeps {
  credentials: CredentialsService;
  settings: { get(): Promise<Settings> };
  resourcesDir: string;
  /** The stored schedule of a job (history and logs find its bucket by it). */
  lookup: (name: string) => Promise<Schedule | undefined>;
  env?: NodeJS.ProcessEnv;
}

/**
 * The AWS backend for the schedule services: available when there is an active AWS profile and
 * a code bucket in Settings; otherwise the reason, shown where the backend would be chosen.
 */
export function awsScheduleBackend(deps: AwsScheduleBackendDeps): () => Promise<ScheduleBackend | string> {
  const backend = newAwsScheduleBackend(deps);
  return async () => {
    try {
      await deps.credentials.describe();
    } catch (err) {
      return (err as Error).message;
    }
    if (!(await deps.settings.get()).codeBucket) return 'Set the code bucket (a private S3 bucket for job tarballs) in Settings to schedule jobs in AWS.';
    return backend;
  };
}

/** An AWS backend on the active profile's clients (also what `schedules:aws-permissions` asks). */
export function newAwsScheduleBackend(deps: AwsScheduleBackendDeps): AwsScheduleBackend {
  return new AwsScheduleBackend({
    clients: () => activeScheduleClients(deps.credentials, async () => (await deps.settings.get()).regions[0], deps.env),
    buckets: async () => {
      const s = await deps.settings.get();
      return { public: s.publicBucket, private: s.privateBucket, code: s.codeBucket };
    },
    workerDir: join(deps.resourcesDir, 'worker'),
    lookup: deps.lookup,
    alertEmail: async () => (await deps.settings.get()).alertEmail || undefined,
  });
}
