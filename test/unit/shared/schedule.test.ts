import { describe, expect, it } from 'vitest';
import {
  cronExpressions,
  describeTiming,
  formatLocal,
  formatUtc,
  newestRunFirst,
  nextRuns,
  previousRun,
  runsBetween,
  Schedule,
  schedulerWindow,
  shortMonthNote,
  type Frequency,
  type RunRecord,
} from '../../../src/shared/schedule.ts';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const at = (s: string) => new Date(s);
const timing = (frequency: Frequency, extra: Partial<Schedule> = {}) => ({ frequency, timeOfDay: '12:00', ...extra });

describe('next run times (UTC)', () => {
  it('daily: today when the time is still ahead, else tomorrow; strictly after "from"', () => {
    expect(iso(nextRuns(timing({ kind: 'daily' }), at('2026-11-29T09:00:00Z'), 3))).toEqual(['2026-11-29T12:00:00.000Z', '2026-11-30T12:00:00.000Z', '2026-12-01T12:00:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'daily' }), at('2026-11-29T12:00:00Z'), 1))).toEqual(['2026-11-30T12:00:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'daily' }, { timeOfDay: '00:05' }), at('2026-12-31T23:59:00Z'), 1))).toEqual(['2027-01-01T00:05:00.000Z']);
  });

  it('weekly: 0 is Sunday, 6 is Saturday', () => {
    // 2026-11-29 is a Sunday.
    expect(iso(nextRuns(timing({ kind: 'weekly', dayOfWeek: 0 }, { timeOfDay: '06:30' }), at('2026-11-28T00:00:00Z'), 2))).toEqual(['2026-11-29T06:30:00.000Z', '2026-12-06T06:30:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'weekly', dayOfWeek: 6 }), at('2026-11-29T00:00:00Z'), 1))).toEqual(['2026-12-05T12:00:00.000Z']);
  });

  it('monthly on day 31 runs on the last day of shorter months', () => {
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 31 }), at('2027-01-01T00:00:00Z'), 5))).toEqual([
      '2027-01-31T12:00:00.000Z',
      '2027-02-28T12:00:00.000Z',
      '2027-03-31T12:00:00.000Z',
      '2027-04-30T12:00:00.000Z',
      '2027-05-31T12:00:00.000Z',
    ]);
  });

  it('monthly on day 29 or 30 in February: the 28th, or the 29th in a leap year (2028)', () => {
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 30 }), at('2027-01-31T00:00:00Z'), 2))).toEqual(['2027-02-28T12:00:00.000Z', '2027-03-30T12:00:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 30 }), at('2028-01-31T00:00:00Z'), 2))).toEqual(['2028-02-29T12:00:00.000Z', '2028-03-30T12:00:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 29 }), at('2027-02-01T00:00:00Z'), 1))).toEqual(['2027-02-28T12:00:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 29 }), at('2028-02-01T00:00:00Z'), 1))).toEqual(['2028-02-29T12:00:00.000Z']);
    // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 29 }), at('2100-02-01T00:00:00Z'), 1))).toEqual(['2100-02-28T12:00:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 29 }), at('2000-02-01T00:00:00Z'), 1))).toEqual(['2000-02-29T12:00:00.000Z']);
  });

  it('monthly on an ordinary day, and the leap day itself for a daily schedule', () => {
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 1 }, { timeOfDay: '23:59' }), at('2028-02-28T00:00:00Z'), 2))).toEqual(['2028-03-01T23:59:00.000Z', '2028-04-01T23:59:00.000Z']);
    expect(iso(nextRuns(timing({ kind: 'daily' }), at('2028-02-28T13:00:00Z'), 2))).toEqual(['2028-02-29T12:00:00.000Z', '2028-03-01T12:00:00.000Z']);
  });

  it('honours the start date and the end date (inclusive)', () => {
    const windowed = timing({ kind: 'daily' }, { startDate: '2027-03-10', endDate: '2027-03-12' });
    expect(iso(nextRuns(windowed, at('2026-11-29T00:00:00Z'), 5))).toEqual(['2027-03-10T12:00:00.000Z', '2027-03-11T12:00:00.000Z', '2027-03-12T12:00:00.000Z']);
    expect(nextRuns(windowed, at('2027-03-12T12:00:00Z'), 5)).toEqual([]);
    // A monthly schedule that starts far ahead still finds its runs.
    expect(iso(nextRuns(timing({ kind: 'monthly', dayOfMonth: 15 }, { startDate: '2030-06-16' }), at('2026-01-01T00:00:00Z'), 1))).toEqual(['2030-07-15T12:00:00.000Z']);
  });

  it('lists the runs between two instants and finds the latest past one', () => {
    const daily = timing({ kind: 'daily' });
    expect(iso(runsBetween(daily, at('2026-11-27T12:00:00Z'), at('2026-11-29T12:00:00Z')))).toEqual(['2026-11-28T12:00:00.000Z', '2026-11-29T12:00:00.000Z']);
    expect(previousRun(daily, at('2026-11-29T11:59:00Z'))?.toISOString()).toBe('2026-11-28T12:00:00.000Z');
    expect(previousRun(timing({ kind: 'daily' }, { startDate: '2027-01-01' }), at('2026-11-29T11:59:00Z'))).toBeUndefined();
  });
});

describe('EventBridge Scheduler cron expressions', () => {
  it('daily, weekly (1-7 = SUN-SAT) and monthly', () => {
    expect(cronExpressions({ frequency: { kind: 'daily' }, timeOfDay: '12:00' })).toEqual(['cron(0 12 * * ? *)']);
    expect(cronExpressions({ frequency: { kind: 'weekly', dayOfWeek: 0 }, timeOfDay: '06:30' })).toEqual(['cron(30 6 ? * 1 *)']);
    expect(cronExpressions({ frequency: { kind: 'weekly', dayOfWeek: 6 }, timeOfDay: '23:05' })).toEqual(['cron(5 23 ? * 7 *)']);
    expect(cronExpressions({ frequency: { kind: 'monthly', dayOfMonth: 28 }, timeOfDay: '00:00' })).toEqual(['cron(0 0 28 * ? *)']);
  });

  it('day 31 is the last day of every month; 29 and 30 need February\'s last day as a second expression', () => {
    expect(cronExpressions({ frequency: { kind: 'monthly', dayOfMonth: 31 }, timeOfDay: '12:00' })).toEqual(['cron(0 12 L * ? *)']);
    expect(cronExpressions({ frequency: { kind: 'monthly', dayOfMonth: 30 }, timeOfDay: '12:00' })).toEqual(['cron(0 12 30 1,3-12 ? *)', 'cron(0 12 L 2 ? *)']);
    expect(cronExpressions({ frequency: { kind: 'monthly', dayOfMonth: 29 }, timeOfDay: '12:00' })).toEqual(['cron(0 12 29 1,3-12 ? *)', 'cron(0 12 L 2 ? *)']);
  });

  it('start and end dates become the schedule window (the end exclusive, the day after)', () => {
    expect(schedulerWindow({ startDate: '2027-01-01', endDate: '2028-02-29' })).toEqual({ start: at('2027-01-01T00:00:00Z'), end: at('2028-03-01T00:00:00Z') });
    expect(schedulerWindow({})).toEqual({});
  });
});

describe('the form model', () => {
  it('fills in the seed form\'s defaults', () => {
    const s = Schedule.parse({ name: 'daily-counts', tarball: '/tmp/job.tar.gz', frequency: { kind: 'daily' } });
    expect(s).toMatchObject({ command: 'sh run.sh', outputDir: 'output', timeOfDay: '12:00', timeoutMinutes: 120, enabled: true, backend: 'local', worker: 'local', visibility: 'private' });
  });

  it('says what to fix', () => {
    const problems = (input: object) => Schedule.safeParse({ name: 'ok', tarball: '/t.tar.gz', frequency: { kind: 'daily' }, ...input }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problems({ name: 'my job' })?.[0]).toMatch(/^name: a short slug: .*no spaces or quotes/);
    expect(problems({ name: "it's" })?.[0]).toMatch(/^name: a short slug/);
    expect(problems({ timeoutMinutes: 1441 })).toEqual(['timeoutMinutes: a timeout of at most 1440 minutes (24 h)']);
    expect(problems({ timeOfDay: '25:00' })).toEqual(['timeOfDay: a time of day as HH:MM in UTC (24 h), such as 12:00']);
    expect(problems({ outputDir: '../up' })).toEqual(['outputDir: a folder inside the job (relative, no "..")']);
    expect(problems({ frequency: { kind: 'monthly', dayOfMonth: 32 } })).toEqual(['frequency.dayOfMonth: a day of month 1 to 31']);
    expect(problems({ startDate: '2027-02-30' })).toEqual(['startDate: a date that exists (check the month and day)']);
    expect(problems({ startDate: '2027-03-01', endDate: '2027-02-01' })).toEqual(['endDate: an end date on or after the start date']);
    // What run-job.sh refuses on the worker (checked there in the C locale) is refused here, not at every run.
    expect(problems({ command: './run.sh\t--fast' })).toEqual(['command: a command on one line, without tabs or other control characters']);
    expect(problems({ command: './run.sh\nrm -rf ~' })).toEqual(['command: a command on one line, without tabs or other control characters']);
    expect(problems({ command: './run.sh \u001b[2J' })).toEqual(['command: a command on one line, without tabs or other control characters']);
    expect(problems({ command: `./run.sh ${'é'.repeat(600)}` })).toEqual(['command: a command of at most 1024 bytes (letters beyond ASCII take 2 to 4)']);
    expect(problems({ command: `./run.sh --label "${'é'.repeat(480)}" 'a b' $HOME` })).toBeUndefined();
  });

  it('notes what happens in months without the chosen day', () => {
    expect(shortMonthNote({ kind: 'monthly', dayOfMonth: 28 })).toBeNull();
    expect(shortMonthNote({ kind: 'daily' })).toBeNull();
    expect(shortMonthNote({ kind: 'monthly', dayOfMonth: 31 })).toBe('Months without a day 31 (February, April, June, September and November) run on their last day.');
    expect(shortMonthNote({ kind: 'monthly', dayOfMonth: 29 })).toMatch(/February in years that are not leap years/);
  });
});

describe('showing times', () => {
  it('in UTC and in a local zone', () => {
    const t = at('2028-02-29T12:00:00Z');
    expect(formatUtc(t)).toBe('2028-02-29 12:00 UTC');
    expect(formatLocal(t, 'America/New_York')).toBe('Tue 2028-02-29 07:00 EST');
    expect(formatLocal(t, 'Asia/Tokyo')).toBe('Tue 2028-02-29 21:00 GMT+9');
    expect(formatLocal(at('2028-07-01T12:00:00Z'), 'Europe/Berlin')).toBe('Sat 2028-07-01 14:00 GMT+2');
    expect(formatLocal(t, 'UTC')).toBe('Tue 2028-02-29 12:00 UTC');
  });

  it('describes the timing in words', () => {
    expect(describeTiming({ frequency: { kind: 'weekly', dayOfWeek: 0 }, timeOfDay: '06:30' })).toBe('weekly on Sunday at 06:30 UTC');
    expect(describeTiming({ frequency: { kind: 'monthly', dayOfMonth: 31 }, timeOfDay: '12:00' })).toBe('monthly on day 31 at 12:00 UTC');
  });
});

describe('run history order', () => {
  const record = (runId: string, startedAt: string): RunRecord => ({
    version: 1, job: 'j', runId, scheduledFor: null, startedAt, endedAt: startedAt, exitCode: 0, timedOut: false,
    status: 'succeeded', filesPublished: 0, bytesPublished: 0, guardFindings: [], log: 'j/logs/x.log.gz', output: 'j/data/', message: null,
  });

  it('puts the newest first, and of two started in the same second the later run id', () => {
    const runs = [record('20261121-123000-aaaaaa', '2026-11-29T11:00:00Z'), record('20261123-123000-000000', '2026-11-29T11:00:00Z'), record('20261101-000000-ffffff', '2026-11-29T10:59:59Z')];
    expect(runs.sort(newestRunFirst).map((r) => r.runId)).toEqual(['20261123-123000-000000', '20261121-123000-aaaaaa', '20261101-000000-ffffff']);
  });
});
