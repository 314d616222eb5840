import { describe, expect, it } from 'vitest';
import { checkForm, emptyForm, formOf, inputOf } from '../../../../../src/renderer/src/views/schedules/schedule-form.ts';
import type { ScheduleView } from '../../../../../src/shared/schedule-calls.ts';
import { Schedule } from '../../../../../src/shared/schedule.ts';

const typed = { ...emptyForm('aws'), name: 'os-spark', tarball: '/tmp/os-spark.tar.gz' };

describe('the Schedule form: a Spark run\'s size on EMR Serverless', () => {
  it('starts at the default size and sends it as the schedule\'s spark size', () => {
    expect(checkForm(typed)).toEqual({});
    expect(inputOf({ ...typed, sparkExecutorCores: '8', sparkExecutorMemoryGiB: '48', sparkMaxExecutors: '12' }).spark).toEqual({ driverCores: 2, driverMemoryGiB: 8, executorCores: 8, executorMemoryGiB: 48, maxExecutors: 12 });
  });

  it('shows an edited schedule\'s size as it was saved', () => {
    const saved = Schedule.parse({ name: 'os-spark', tarball: '/x.tar.gz', frequency: { kind: 'daily' }, backend: 'aws', spark: { driverCores: 1, driverMemoryGiB: 4, executorCores: 16, executorMemoryGiB: 120, maxExecutors: 2 } });
    const view: ScheduleView = { ...saved, createdAt: 'x', changedAt: 'x', nextRun: null };
    expect(formOf(view)).toMatchObject({ sparkDriverCores: '1', sparkDriverMemoryGiB: '4', sparkExecutorCores: '16', sparkExecutorMemoryGiB: '120', sparkMaxExecutors: '2' });
  });

  it('puts each size EMR Serverless does not offer beside its own field, saying what to give', () => {
    expect(checkForm({ ...typed, sparkDriverCores: '3' })).toEqual({ sparkDriverCores: 'driver cores of 1, 2, 4, 8 or 16 (the vCPU sizes EMR Serverless offers)' });
    expect(checkForm({ ...typed, sparkExecutorCores: '2', sparkExecutorMemoryGiB: '20' })).toEqual({ sparkExecutorMemoryGiB: 'executor memory of 4 to 16 GiB for 2 cores (what EMR Serverless offers with that many vCPU)' });
    expect(checkForm({ ...typed, sparkDriverMemoryGiB: '1' })).toEqual({ sparkDriverMemoryGiB: 'driver memory of at least 2 GiB' });
    expect(checkForm({ ...typed, sparkMaxExecutors: '101' })).toEqual({ sparkMaxExecutors: 'at most 100 executors' });
    expect(checkForm({ ...typed, sparkMaxExecutors: 'many' })).toEqual({ sparkMaxExecutors: 'a whole number' });
  });
});
