/// <reference lib="dom" />
import { join } from 'node:path';
import { EMRServerlessClient, ListApplicationsCommand, type StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';
import { openAwsScheduleForm, saveBuckets, useScheduleSetup } from './aws-schedule-form.ts';

const moto = useMoto();
const setup = useScheduleSetup(moto, { prefix: 'schedule-spark-aws', tarballName: 'os-spark.tar.gz', packArgs: ['--mapreduce', 'job.py', '--engine', 'spark'] });
const clients: { destroy(): void }[] = [];
afterAll(() => {
  for (const c of clients) c.destroy();
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, join(setup.root, 'app')), page: { viewport: { width: 1400, height: 1300 } } });

describe('scheduling a Spark package in AWS from the UI (moto: S3, IAM, EventBridge Scheduler, EMR Serverless)', () => {
  it('sizes the run on EMR Serverless, refuses sizes it does not offer, shows the job execution role, saves the StartJobRun schedule and deletes it with the application', async () => {
    await saveBuckets(page, workbench.origin, { private: 'wb-private', code: 'wb-code' });
    const form = await openAwsScheduleForm(page, workbench.origin, 'os-spark', setup.tarball);
    await eventually(() => form.getByLabel('Engine').inputValue()).toBe('spark');
    expect(await form.locator('option[value="aws"]').textContent()).toBe('AWS (EventBridge Scheduler, EMR Serverless per run)');

    // Sized in cores and memory, not by instance type; the most a run can cost is shown.
    const size = form.getByRole('group', { name: 'Spark run size on EMR Serverless' });
    expect(await form.getByLabel('Instance type').count()).toBe(0);
    await size.getByLabel('Executor cores').selectOption('4');
    await size.getByLabel('Executor memory (GiB)').fill('40');
    await size.getByLabel('Executor memory (GiB)').blur();
    await eventually(() => size.getByRole('alert').textContent()).toBe('executor memory of 8 to 30 GiB for 4 cores (what EMR Serverless offers with that many vCPU)');
    await form.getByLabel('Timeout (minutes, at most 1440)').fill('3');
    await form.getByLabel('Timeout (minutes, at most 1440)').blur();
    await eventually(() => form.getByText('a timeout of at least 5 minutes: EMR Serverless enforces no shorter one').count()).toBe(1);
    await form.getByRole('button', { name: 'Schedule' }).click();
    expect(await page.locator('tr[data-schedule="os-spark"]').count()).toBe(0);

    await size.getByLabel('Executor memory (GiB)').fill('16');
    await size.getByLabel('Executors at most').fill('3');
    await form.getByLabel('Timeout (minutes, at most 1440)').fill('30');
    // 2 + 3 × 4 vCPU and 8 + 3 × 16 GiB for half an hour.
    await eventually(() => size.getByRole('status', { name: 'Cost per run' }).textContent()).toMatch(/^Cost per run: at most \$0\.53 \(14 vCPU and 56 GiB for the 0\.50 h timeout/);

    const iam = form.locator('details.aws-permissions');
    await eventually(() => iam.locator('summary').textContent()).toMatch(/job execution role wb-os-spark for the run on EMR Serverless/);
    await iam.locator('summary').click();
    expect(await iam.getByRole('region', { name: 'Role wb-os-spark' }).textContent()).toContain('"Service": "emr-serverless.amazonaws.com"');
    expect(await iam.getByRole('region', { name: 'Role analysis-workbench-scheduler' }).textContent()).toContain('"Action": "emr-serverless:StartJobRun"');
    await screenshot(page, 'schedule-spark-aws-form');

    await form.getByRole('button', { name: 'Schedule' }).click();
    const row = page.locator('tr[data-schedule="os-spark"]');
    await eventually(() => row.count(), 30_000).toBe(1);
    const scheduler = new SchedulerClient(moto.clientConfig());
    const emr = new EMRServerlessClient(moto.clientConfig());
    clients.push(scheduler, emr);
    const made = await scheduler.send(new GetScheduleCommand({ Name: 'os-spark', GroupName: 'analysis-workbench' }));
    expect(made.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun');
    const input = JSON.parse(made.Target?.Input ?? '{}') as StartJobRunCommandInput;
    expect(input.executionTimeoutMinutes).toBe(30);
    expect(input.jobDriver?.sparkSubmit?.sparkSubmitParameters).toContain('--conf spark.executor.cores=4 --conf spark.executor.memory=14745m --conf spark.dynamicAllocation.maxExecutors=3');
    const live = async () => ((await emr.send(new ListApplicationsCommand({ states: ['CREATED', 'STARTED', 'STOPPED'] }))).applications ?? []).map((a) => a.name);
    expect(await live()).toEqual(['analysis-workbench-spark']);

    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete os-spark?' });
    expect(await dialog.getByLabel(/the last Spark schedule also takes the app's EMR Serverless application with it/).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await eventually(() => row.count(), 30_000).toBe(0);
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'os-spark', GroupName: 'analysis-workbench' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await live()).toEqual([]);
    expect(problems).toEqual([]);
  });
});
