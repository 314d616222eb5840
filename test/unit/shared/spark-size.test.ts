import { describe, expect, it } from 'vitest';
import { DEFAULT_SPARK_SIZE, SparkSize, sparkCostPerRun } from '../../../src/shared/schedule.ts';

describe('a Spark run\'s size on EMR Serverless', () => {
  it('takes every worker size EMR Serverless offers, at both ends of its memory range', () => {
    for (const [cores, low, high] of [[1, 2, 8], [2, 4, 16], [4, 8, 30], [8, 16, 60], [16, 32, 120]] as const) {
      expect(SparkSize.safeParse({ driverCores: cores, driverMemoryGiB: low, executorCores: cores, executorMemoryGiB: high }).success).toBe(true);
      const under = SparkSize.safeParse({ executorCores: cores, executorMemoryGiB: low - 1 });
      expect(under.success).toBe(false);
      expect(new Set(under.error?.issues.map((i) => i.path.join('.')))).toEqual(new Set(['executorMemoryGiB']));
    }
    expect(SparkSize.parse({})).toEqual(DEFAULT_SPARK_SIZE);
  });

  it('costs at most the driver and every executor for the whole timeout, at the on-demand prices', () => {
    const cost = sparkCostPerRun({ driverCores: 2, driverMemoryGiB: 8, executorCores: 4, executorMemoryGiB: 16, maxExecutors: 3 }, 30);
    expect(cost).toEqual({ usd: 0.5302, vcpu: 14, memoryGiB: 56, hours: 0.5 });
    expect(sparkCostPerRun(DEFAULT_SPARK_SIZE, Number.NaN)).toBeUndefined();
    expect(sparkCostPerRun({ ...DEFAULT_SPARK_SIZE, maxExecutors: Number.NaN }, 30)).toBeUndefined();
  });
});
