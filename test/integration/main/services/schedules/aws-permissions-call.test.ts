import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

let workbench: Workbench;

const call = callerOf(() => workbench);

describe('schedules:aws-permissions through the contract', () => {
  beforeEach(async () => {
    workbench = await createWorkbench({ dataDir: join(await useTempDir('aws-permissions'), 'app'), host: 'cli', resourcesDir: resolve('resources') });
  });
  afterEach(async () => {
    await workbench?.close();
  });

  it('shows the roles and policies a job will get, from the buckets in Settings, before anything exists', async () => {
    await expect(call('schedules:aws-permissions', { name: 'daily-os', visibility: 'public' })).rejects.toThrow(/Set the code bucket/);
    await call('settings:set', { codeBucket: 'team-code', publicBucket: 'team-public', privateBucket: 'team-private' });
    // Another change later does not clear the buckets (the settings patch has no defaults for them).
    await call('settings:set', { theme: 'dark' });

    const plan = await call(
      'schedules:aws-permissions',
      { name: 'daily-os', visibility: 'public' },
    );
    expect(plan.schedulerRole.name).toBe('analysis-workbench-scheduler');
    expect(plan.schedulerRole.trustPolicy).toMatchObject({ Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] });
    expect(plan.instanceProfile).toBe('wb-daily-os');
    expect(plan.instanceRole.policy.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::team-code/daily-os/code/*'],
      // The output: each run's folder, then data/ replaced by the latest set.
      [['s3:PutObject', 's3:GetObject'], ['arn:aws:s3:::team-public/daily-os/runs/*', 'arn:aws:s3:::team-public/daily-os/data/*']],
      ['s3:DeleteObject', 'arn:aws:s3:::team-public/daily-os/data/*'],
      ['s3:ListBucket', 'arn:aws:s3:::team-public'],
      // A public job's log and run record go to the private bucket, never the public one.
      ['s3:PutObject', ['arn:aws:s3:::team-private/daily-os/logs/*', 'arn:aws:s3:::team-private/daily-os/runs/*']],
      // Alerts from AWS itself: the app's topic, and the run metric in the app's namespace only.
      ['sns:Publish', 'arn:aws:sns:*:*:analysis-workbench-alerts'],
      ['cloudwatch:PutMetricData', '*'],
    ]);
    expect(plan.instanceRole.policy.Statement.at(-1)).toMatchObject({ Condition: { StringEquals: { 'cloudwatch:namespace': 'AnalysisWorkbench' } } });
    expect(plan.schedulerRole.policy.Statement.map((s) => s.Action)).toContain('cloudwatch:PutMetricData');
    await expect(call('schedules:aws-permissions', { name: 'Daily OS', visibility: 'public' })).rejects.toThrow(/short slug/);
  });
});
