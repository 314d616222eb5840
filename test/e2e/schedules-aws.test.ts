/// <reference lib="dom" />
import { join } from 'node:path';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';
import { openAwsScheduleForm, saveBuckets, useScheduleSetup } from './aws-schedule-form.ts';

const moto = useMoto();
const setup = useScheduleSetup(moto, { prefix: 'schedules-aws', tarballName: 'os-distribution.tar.gz' });
const clients: { destroy(): void }[] = [];
afterAll(() => {
  for (const c of clients) c.destroy();
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, join(setup.root, 'app')), page: { viewport: { width: 1400, height: 1100 } } });


describe('scheduling a job in AWS from the UI (moto: S3, IAM, EventBridge Scheduler, EC2)', () => {
  it('shows the IAM it will make, creates the EventBridge schedule, runs it now on a fresh instance, and deletes it', async () => {
    await saveBuckets(page, workbench.origin, { private: 'wb-private', code: 'wb-code' });

    const form = await openAwsScheduleForm(page, workbench.origin, 'os-daily', setup.tarball);

    const iam = form.locator('details.aws-permissions');
    await eventually(() => iam.locator('summary').textContent()).toMatch(/role analysis-workbench-scheduler for the scheduler, role and instance profile wb-os-daily for the run/);
    await iam.locator('summary').click();
    const jobRole = iam.getByRole('region', { name: 'Role wb-os-daily' });
    // Its own run folders and the latest set in data/, its logs and records: nothing else of the bucket.
    expect(await jobRole.textContent()).toContain('"arn:aws:s3:::wb-private/os-daily/runs/*"');
    expect(await jobRole.textContent()).toContain('"arn:aws:s3:::wb-private/os-daily/data/*"');
    expect(await jobRole.textContent()).toContain('"arn:aws:s3:::wb-private/os-daily/logs/*"');
    // The buckets are checked before saving: a private job's must not be public.
    const buckets = form.getByRole('region', { name: 'Buckets' });
    await eventually(() => buckets.textContent()).toMatch(/Output to wb-private: not public \(Block Public Access is off\)\./);
    expect(await buckets.getByRole('alert').count()).toBe(0);
    expect(await jobRole.textContent()).toContain('"Resource": "arn:aws:s3:::wb-code/os-daily/code/*"');
    expect(await iam.getByRole('region', { name: 'Role analysis-workbench-scheduler' }).textContent()).toContain('"Service": "scheduler.amazonaws.com"');
    await screenshot(page, 'schedules-aws-permissions');

    await form.getByRole('button', { name: 'Schedule' }).click();
    const row = page.locator('tr[data-schedule="os-daily"]');
    await eventually(() => row.count()).toBe(1);
    const scheduler = new SchedulerClient(moto.clientConfig());
    clients.push(scheduler);
    const made = await scheduler.send(new GetScheduleCommand({ Name: 'os-daily', GroupName: 'analysis-workbench' }));
    expect(made.ScheduleExpression).toBe('cron(0 12 * * ? *)');
    expect(made.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:ec2:runInstances');

    await row.getByRole('button', { name: 'Run now' }).click();
    const ec2 = new EC2Client(moto.clientConfig());
    clients.push(ec2);
    const launched = async () => {
      const answer = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:workbench:job', Values: ['os-daily'] }] }));
      return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '');
    };
    await eventually(async () => (await launched()).length).toBe(1);
    const [instanceId] = await launched();
    const behaviour = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'instanceInitiatedShutdownBehavior' }));
    expect(behaviour.InstanceInitiatedShutdownBehavior?.Value).toBe('terminate');

    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete os-daily?' }).getByRole('button', { name: 'Delete' }).click();
    await eventually(() => row.count()).toBe(0);
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'os-daily', GroupName: 'analysis-workbench' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(problems).toEqual([]);
  });
});
