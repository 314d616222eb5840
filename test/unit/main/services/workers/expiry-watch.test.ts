import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryWatch, type ExpiryWarning, type WatchedWorker } from '../../../../../src/main/services/workers/expiry-watch.ts';

const deadline = '2026-11-29T12:00:00.000Z';
const minutesBefore = (minutes: number) => new Date(Date.parse(deadline) - minutes * 60_000);

describe('ExpiryWatch for any worker with a deadline', () => {
  it('says what ends the worker: a cluster is terminated by AWS, an EC2 worker by itself', () => {
    const seen: ExpiryWarning[] = [];
    new ExpiryWatch((w) => seen.push(w), (name) => `AWS terminates ${name}`).check([{ id: 'emr-abcd1234', name: 'spark-big', deadline, live: true }], minutesBefore(59.6));
    new ExpiryWatch((w) => seen.push(w)).check([{ id: 'ec2-abcd1234', name: 'crunch', deadline, live: true }], minutesBefore(14.8));
    expect(seen).toEqual([
      { workerId: 'emr-abcd1234', name: 'spark-big', minutesLeft: 60, deadline, message: 'AWS terminates spark-big in 60 minutes (at 12:00 UTC). Download your results now, or extend its lifetime.' },
      { workerId: 'ec2-abcd1234', name: 'crunch', minutesLeft: 15, deadline, message: 'crunch terminates itself in 15 minutes (at 12:00 UTC). Download your results now, or extend its lifetime.' },
    ]);
  });

  describe('every(): checks on its own timer against the clock it is given', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('warns at 60 and 15 minutes as the injected clock passes them, reads the workers at each check, and stops when told', async () => {
      let now = minutesBefore(90);
      let workers: WatchedWorker[] = [{ id: 'emr-abcd1234', name: 'spark-big', deadline, live: true }];
      const seen: ExpiryWarning[] = [];
      const watch = new ExpiryWatch((w) => seen.push(w), (name) => `AWS terminates ${name}`);
      const stop = watch.every(30_000, async () => workers, () => now);

      await vi.advanceTimersByTimeAsync(30_000);
      expect(seen).toEqual([]);
      now = minutesBefore(59);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(seen.map((w) => w.minutesLeft)).toEqual([59]);
      now = minutesBefore(40);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(seen).toHaveLength(1);
      // A cluster launched meanwhile is read at the next check.
      workers = [...workers, { id: 'emr-efgh5678', name: 'other', deadline, live: true }];
      now = minutesBefore(12);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(seen.map((w) => [w.workerId, w.minutesLeft])).toEqual([
        ['emr-abcd1234', 59],
        ['emr-abcd1234', 12],
        ['emr-efgh5678', 12],
      ]);

      stop();
      workers = [{ id: 'emr-ijkl9012', name: 'late', deadline, live: true }];
      await vi.advanceTimersByTimeAsync(120_000);
      expect(seen).toHaveLength(3);
    });

    it('skips a check whose read fails and warns at the next one', async () => {
      const seen: ExpiryWarning[] = [];
      let fail = true;
      const watch = new ExpiryWatch((w) => seen.push(w));
      const stop = watch.every(
        1_000,
        async () => {
          if (fail) throw new Error('the document could not be read');
          return [{ id: 'ec2-abcd1234', name: 'crunch', deadline, live: true }];
        },
        () => minutesBefore(30),
      );
      await vi.advanceTimersByTimeAsync(1_000);
      expect(seen).toEqual([]);
      fail = false;
      await vi.advanceTimersByTimeAsync(1_000);
      expect(seen.map((w) => w.minutesLeft)).toEqual([30]);
      stop();
    });
  });
});
