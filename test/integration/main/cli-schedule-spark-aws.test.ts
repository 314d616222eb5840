import { join, resolve } from 'node:path';
import { EMRServerlessClient, ListApplicationsCommand, type StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { cliWithScheduleBuckets } from '../../fixtures/aws-schedule-cli.ts';
import { useMoto } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

describe('workbench schedule of a Spark package on AWS (moto): sized for EMR Serverless from the command line', () => {
  const moto = useMoto();
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  afterAll(() => {
    for (const c of clients) c.destroy();
  });

  it('creates the StartJobRun schedule with --spark-driver, --spark-executor and --spark-executors, refuses a size EMR Serverless does not offer, and deletes it with the application', async () => {
    const root = await useTempDir('cli-schedule-spark-aws');
    const { s3, cli } = await cliWithScheduleBuckets(root, moto);
    client(s3);
    const tarball = join(root, 'os-spark.tar.gz');
    expect((await cli('pack', resolve('resources/examples/os-distribution'), '-o', tarball, '--mapreduce', 'job.py', '--engine', 'spark')).code).toBe(0);
    const create = (...more: string[]) => cli('schedule', 'create', 'os-spark', '--backend', 'aws', '--tarball', tarball, '--frequency', 'daily', '--timeout', '30', ...more);

    const badForm = await create('--spark-driver', '2x8');
    expect(badForm.code).not.toBe(0);
    expect(badForm.stderr).toContain('--spark-driver must be CORES:GIB, such as 2:8, not "2x8".');
    const badSize = await create('--spark-executor', '16:200');
    expect(badSize.code).not.toBe(0);
    expect(badSize.stderr).toMatch(/executorMemoryGiB: executor memory of at most 120 GiB/);
    const tooShort = await cli('schedule', 'create', 'os-spark', '--backend', 'aws', '--tarball', tarball, '--frequency', 'daily', '--timeout', '2');
    expect(tooShort.stderr).toMatch(/timeoutMinutes: a Spark run on EMR Serverless needs a timeout of at least 5 minutes/);
    const emr = client(new EMRServerlessClient(moto.clientConfig()));
    expect((await emr.send(new ListApplicationsCommand({}))).applications ?? []).toEqual([]);

    const created = await create('--spark-driver', '1:4', '--spark-executor', '8:32', '--spark-executors', '10');
    expect(created.code, created.stderr).toBe(0);
    const made = await client(new SchedulerClient(moto.clientConfig())).send(new GetScheduleCommand({ Name: 'os-spark', GroupName: 'analysis-workbench' }));
    expect(made.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun');
    const input = JSON.parse(made.Target?.Input ?? '{}') as StartJobRunCommandInput;
    expect(input.executionTimeoutMinutes).toBe(30);
    expect(input.jobDriver?.sparkSubmit?.sparkSubmitParameters).toBe(
      '--conf spark.driver.cores=1 --conf spark.driver.memory=3686m --conf spark.executor.cores=8 --conf spark.executor.memory=29491m --conf spark.dynamicAllocation.maxExecutors=10',
    );

    const gone = await cli('schedule', 'delete', 'os-spark', '--yes', '--remove-aws-resources');
    expect(gone.code, gone.stderr).toBe(0);
    expect(((await emr.send(new ListApplicationsCommand({ states: ['CREATED', 'STARTED', 'STOPPED'] }))).applications ?? []).length).toBe(0);
  }, 120_000);
});
