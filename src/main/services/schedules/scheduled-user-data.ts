import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Schedule } from '../../../shared/schedule.ts';

/** What resources/worker/scheduled_run.py reads from /etc/workbench/run.json on the instance. */
export interface ScheduledRunSpec {
  job: string;
  region: string;
  /** s3:// URL of the worker kit (run-job.sh and its helpers). */
  kit: string;
  /** s3:// URL of the job's code tarball. */
  code: string;
  command: string;
  outputDir: string;
  timeoutMinutes: number;
  /** s3://BUCKET/JOB: the output (runs/RUNID/data/, data/). */
  publish: string;
  /** s3://PRIVATE-BUCKET/JOB, where the log and run record go when not beside the output (a public job's). */
  records?: string;
  visibility: Schedule['visibility'];
  /** The app's SNS topic (ARN): a run that fails, times out or is blocked publishes an alert to it (run-job.sh --alert-topic). */
  alertTopic?: string;
  /** The CloudWatch namespace of the RunSucceeded metric each run end puts (run-job.sh --metric-namespace). */
  metricNamespace?: string;
  /**
   * The data the job reads (run-job.sh --data-dir, the job's DATA_DIR): a folder on the instance
   * or s3://BUCKET/PREFIX, read with the instance's role; absent: the job gets no DATA_DIR.
   */
  dataDir?: string;
}

/** Minutes on top of the job's timeout for packages, fetching and publishing, before the safety net fires. */
export const SETUP_MINUTES = 30;

/**
 * The cloud-init user-data of a scheduled run, from resources/worker/cloud-init/scheduled-run.yaml.
 * Everything that comes from the user (the command line above all) travels base64-encoded
 * inside run.json, never as YAML or shell text, so no value can change the document's meaning.
 */
export async function renderScheduledUserData(workerDir: string, spec: ScheduledRunSpec): Promise<string> {
  const [template, script] = await Promise.all([readFile(join(workerDir, 'cloud-init', 'scheduled-run.yaml'), 'utf8'), readFile(join(workerDir, 'scheduled_run.py'))]);
  const values: Record<string, string> = {
    JOB: /^[a-z0-9-]+$/.test(spec.job) ? spec.job : 'job',
    SETUP_MINUTES: String(SETUP_MINUTES),
    KILL_MINUTES: String(spec.timeoutMinutes + SETUP_MINUTES),
    SCHEDULED_RUN_PY: script.toString('base64'),
    RUN_JSON: Buffer.from(JSON.stringify(spec)).toString('base64'),
  };
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`scheduled-run user-data template: unknown placeholder ${key}`);
    return value;
  });
}

/** The run.json inside rendered user-data (for tests and for showing what an instance will run). */
export function readRunSpec(userData: string): ScheduledRunSpec | undefined {
  const m = /path: \/etc\/workbench\/run\.json[\s\S]*?content: ([A-Za-z0-9+/=]+)/.exec(userData);
  return m?.[1] ? (JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) as ScheduledRunSpec) : undefined;
}
