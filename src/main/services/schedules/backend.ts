import type { HistoryRow } from '../../../shared/schedule-calls.ts';
import type { RunRecord, Schedule } from '../../../shared/schedule.ts';

/**
 * Where a schedule lives and runs: EventBridge Scheduler + EC2 (aws-backend.ts) or the app
 * itself while it is open (local-backend.ts). The schedule service keeps the list of schedules
 * and asks the backend to mirror it; run records come back from wherever run-job.sh wrote them.
 */
export interface ScheduleBackend {
  readonly kind: 'aws' | 'local';
  /** Create or replace the schedule (code tarball at a local path is uploaded/copied as needed). */
  deploy(schedule: Schedule, tarballPath: string): Promise<void>;
  /** Removes the timetable; `removeAwsResources`: also what the AWS backend made for the job alone (role, profile, code). */
  remove(name: string, options?: { removeAwsResources?: boolean }): Promise<void>;
  setEnabled(name: string, enabled: boolean): Promise<void>;
  /** Start a run now, outside the timetable; resolves with its run id. */
  runNow(schedule: Schedule): Promise<string>;
  /** Run records of a job, newest first. */
  history(name: string): Promise<RunRecord[]>;

  // Optional extras: the history table uses them when a backend has them.
  /** Where a record's log and output are (a local path or an s3:// URL); default: the record's own fields. */
  locate?(record: RunRecord): { log: string; output: string };
  /** A run's log text (the end of it when longer than maxBytes). */
  readLog?(name: string, runId: string, maxBytes: number): Promise<{ text: string; truncated: boolean }>;
  /**
   * Rows that are not run records: runs going on now (launched, not recorded yet), runs skipped
   * because one was still going. `recorded`: the run ids that have a record already.
   */
  pendingRows?(name: string, recorded: ReadonlySet<string>): Promise<HistoryRow[]>;
}
