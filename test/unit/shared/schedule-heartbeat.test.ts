import { describe, expect, it } from 'vitest';
import { costPerRun, heartbeatExpressions, runsBetween, type Frequency } from '../../../src/shared/schedule.ts';

/**
 * An EventBridge cron matcher for the forms the heartbeats use (lists, ranges, `*`, `?`), written
 * here from the cron rules, so the heartbeat expressions are checked against the run days that
 * runsBetween (the app's own timetable) gives, day by day over years.
 */
function fieldMatches(field: string, value: number): boolean {
  if (field === '*' || field === '?') return true;
  return field.split(',').some((part) => {
    const [from, to] = part.split('-').map(Number);
    return to === undefined ? value === from : value >= from! && value <= to;
  });
}

function cronFiresOn(expression: string, day: Date): boolean {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.split(' ') ?? [];
  expect(fields).toHaveLength(6);
  const [, , dom, month, dow, year] = fields as [string, string, string, string, string, string];
  return fieldMatches(dom, day.getUTCDate()) && fieldMatches(month, day.getUTCMonth() + 1) && fieldMatches(dow, day.getUTCDay() + 1) && (year === '*' || fieldMatches(year, day.getUTCFullYear()));
}

const DAY = 86_400_000;

describe('heartbeats: on every day a job does not run, and on no day it does', () => {
  const frequencies: Frequency[] = [
    { kind: 'weekly', dayOfWeek: 0 },
    { kind: 'weekly', dayOfWeek: 3 },
    { kind: 'monthly', dayOfMonth: 1 },
    { kind: 'monthly', dayOfMonth: 15 },
    { kind: 'monthly', dayOfMonth: 28 },
    { kind: 'monthly', dayOfMonth: 29 },
    { kind: 'monthly', dayOfMonth: 30 },
    { kind: 'monthly', dayOfMonth: 31 },
  ];
  for (const frequency of frequencies) {
    it(`${JSON.stringify(frequency)}: each day of 2026-2033 has exactly one of a run or a heartbeat`, () => {
      const timing = { frequency, timeOfDay: '06:30' };
      const expressions = heartbeatExpressions(timing);
      for (const e of expressions) expect(e.startsWith('cron(30 6 ')).toBe(true);
      const start = Date.parse('2026-01-01T00:00:00Z');
      const end = Date.parse('2034-01-01T00:00:00Z');
      const runDays = new Set(runsBetween(timing, new Date(start - 1), new Date(end)).map((d) => d.toISOString().slice(0, 10)));
      const wrong: string[] = [];
      for (let t = start; t < end; t += DAY) {
        const day = new Date(t);
        const beats = expressions.filter((e) => cronFiresOn(e, day)).length;
        const runs = runDays.has(day.toISOString().slice(0, 10)) ? 1 : 0;
        if (beats + runs !== 1) wrong.push(`${day.toISOString().slice(0, 10)}: ${runs} run(s), ${beats} heartbeat(s)`);
      }
      expect(wrong).toEqual([]);
      // At most four, one per heartbeat group.
      expect(expressions.length).toBeLessThanOrEqual(4);
    });
  }

  it('a daily job needs none', () => {
    expect(heartbeatExpressions({ frequency: { kind: 'daily' }, timeOfDay: '12:00' })).toEqual([]);
  });
});

describe('cost per run', () => {
  it("is the timeout's hours at the EC2 table's hourly price", () => {
    expect(costPerRun('m6i.large', 120)).toEqual({ usd: 0.192, hourlyUsd: 0.096, hours: 2 });
    expect(costPerRun('t3.large', 45)).toEqual({ usd: 0.0624, hourlyUsd: 0.0832, hours: 0.75 });
    expect(costPerRun('x9.huge', 60)).toBeUndefined();
    expect(costPerRun('m6i.large', Number.NaN)).toBeUndefined();
  });
});
