import type { HistoryRow } from '../../../shared/schedule-calls.ts';
import { runsBetween, type RunRecord, type StoredSchedule } from '../../../shared/schedule.ts';

/**
 * A run that should have happened and left no trace is the failure users of scheduled jobs
 * hated most (a silent stop). So the history table is built from the timetable as well as from
 * the records: every expected time since the schedule last changed, older than its timeout plus
 * this grace (time to start an instance, publish, write the record), with no record or pending
 * row for it, is a "missed" row.
 */
export const MISSED_GRACE_MINUTES = 30;
/** The oldest missed runs are not listed past this many (a long-dead schedule stays readable). */
const MAX_MISSED_ROWS = 100;

export function rowOfRecord(record: RunRecord, where: { log: string; output: string }): HistoryRow {
  const started = Date.parse(record.startedAt);
  const ended = Date.parse(record.endedAt);
  return {
    status: record.status,
    runId: record.runId,
    scheduledFor: record.scheduledFor,
    startedAt: record.startedAt,
    endedAt: record.endedAt,
    durationSeconds: Number.isFinite(started) && Number.isFinite(ended) ? Math.max(0, Math.round((ended - started) / 1000)) : null,
    filesPublished: record.filesPublished,
    bytesPublished: record.bytesPublished,
    guardFindings: record.guardFindings,
    log: where.log,
    output: where.output,
    message: record.message,
  };
}

/** A history row of a run with no record (yet): nothing ended, published or logged. */
export function rowWithoutRecord(row: Pick<HistoryRow, 'status' | 'runId' | 'scheduledFor' | 'startedAt' | 'message'>): HistoryRow {
  return { ...row, endedAt: null, durationSeconds: null, filesPublished: 0, bytesPublished: 0, guardFindings: [], log: null, output: null };
}

function missedRow(at: Date): HistoryRow {
  return rowWithoutRecord({
    status: 'missed',
    runId: null,
    scheduledFor: at.toISOString(),
    startedAt: null,
    message: 'This run should have happened but left no record: it never started (app closed, trigger failed, instance not launched) or died before writing one.',
  });
}

/** The time the row stands for, for sorting newest first. */
function timeOf(row: HistoryRow): number {
  return Date.parse(row.startedAt ?? row.scheduledFor ?? '') || 0;
}

/** Expected run times with nothing to show for them. */
export function missedRuns(schedule: StoredSchedule, accounted: HistoryRow[], now: Date): Date[] {
  if (!schedule.enabled) return [];
  const since = new Date(schedule.changedAt);
  const until = new Date(now.getTime() - (schedule.timeoutMinutes + MISSED_GRACE_MINUTES) * 60_000);
  if (until <= since) return [];
  const seen = accounted.map((r) => (r.scheduledFor ? Date.parse(r.scheduledFor) : NaN)).filter(Number.isFinite);
  const expected = runsBetween(schedule, since, until);
  return expected.filter((t) => !seen.some((s) => Math.abs(s - t.getTime()) < 60_000)).slice(-MAX_MISSED_ROWS);
}

/** Records, pending rows (running, skipped) and missed runs, newest first. */
export function historyRows(schedule: StoredSchedule, records: HistoryRow[], pending: HistoryRow[], now: Date): HistoryRow[] {
  const known = [...pending, ...records];
  const missed = missedRuns(schedule, known, now).map(missedRow);
  return [...known, ...missed].sort((a, b) => timeOf(b) - timeOf(a));
}
