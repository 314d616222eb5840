import { describe, expect, it, onTestFinished } from 'vitest';
import { historyRows, missedRuns, MISSED_GRACE_MINUTES, rowWithoutRecord } from '../../../../../src/main/services/schedules/missed-runs.ts';
import type { HistoryRow } from '../../../../../src/shared/schedule-calls.ts';
import { Schedule, type StoredSchedule } from '../../../../../src/shared/schedule.ts';
import { createWorkbench } from '../../../../../src/main/workbench.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { resolve } from 'node:path';

const schedule = (extra: Partial<StoredSchedule> = {}): StoredSchedule => ({
  ...Schedule.parse({ name: 'daily-counts', tarball: '/t.tar.gz', frequency: { kind: 'daily' }, timeoutMinutes: 60 }),
  createdAt: '2026-11-20T00:00:00.000Z',
  changedAt: '2026-11-20T00:00:00.000Z',
  ...extra,
});

const row = (status: HistoryRow['status'], scheduledFor: string | null, startedAt: string | null = scheduledFor): HistoryRow =>
  rowWithoutRecord({ status, runId: status === 'missed' ? null : `run-${scheduledFor}`, scheduledFor, startedAt, message: null });

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('missed runs', () => {
  it('flags an expected run only after its timeout plus the grace period', () => {
    const due = new Date('2026-11-20T12:00:00Z').getTime();
    const edge = new Date(due + (60 + MISSED_GRACE_MINUTES) * 60_000);
    expect(missedRuns(schedule(), [], new Date(edge.getTime() - 1))).toEqual([]);
    expect(iso(missedRuns(schedule(), [], edge))).toEqual(['2026-11-20T12:00:00.000Z']);
  });

  it('counts from the last change, not from before it, and not while disabled', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    expect(missedRuns(schedule({ changedAt: '2026-11-23T13:00:00.000Z' }), [], now).map((d) => d.toISOString())).toEqual(['2026-11-24T12:00:00.000Z']);
    expect(missedRuns(schedule({ enabled: false }), [], now)).toEqual([]);
  });

  it('a record, a skipped slot or a run going now accounts for its slot; a run-now run does not', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    const rows = historyRows(schedule(), [row('succeeded', '2026-11-20T12:00:00.000Z'), row('succeeded', null, '2026-11-21T12:00:00.000Z')], [row('skipped', '2026-11-21T12:00:00.000Z', null)], now);
    expect(rows.map((r) => `${r.status} ${r.scheduledFor}`)).toEqual(['missed 2026-11-22T12:00:00.000Z', 'skipped 2026-11-21T12:00:00.000Z', 'succeeded null', 'succeeded 2026-11-20T12:00:00.000Z']);
  });
});

describe('schedules:next-runs (a draft in the form)', () => {
  it('gives the next runs, the short-month note and the EventBridge expressions', async () => {
    const root = await useTempDir('next-runs');
    const { dispatch, close } = await createWorkbench({ dataDir: root, host: 'cli', resourcesDir: resolve('resources') });
    onTestFinished(close);
    const result = await dispatch('schedules:next-runs', { frequency: { kind: 'monthly', dayOfMonth: 30 }, count: 2, from: '2028-01-31T00:00:00Z' });
    expect(result).toEqual({ ok: true, value: { runs: ['2028-02-29T12:00:00.000Z', '2028-03-30T12:00:00.000Z'], note: 'Months without a day 30 (February) run on their last day.', cron: ['cron(0 12 30 1,3-12 ? *)', 'cron(0 12 L 2 ? *)'] } });
    const bad = await dispatch('schedules:next-runs', { frequency: { kind: 'weekly', dayOfWeek: 7 } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_INPUT', message: 'schedules:next-runs: frequency.dayOfWeek: a day of week 0 (Sunday) to 6 (Saturday)' } });
  });
});
