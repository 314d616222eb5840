/// <reference lib="dom" />
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';
import { openAwsScheduleForm, saveBuckets, useScheduleSetup } from './aws-schedule-form.ts';

const moto = useMoto();
const setup = useScheduleSetup(moto, { prefix: 'schedules-aws-alerts', tarballName: 'os-distribution.tar.gz' });
const clients: { destroy(): void }[] = [];
const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
afterAll(() => {
  for (const c of clients) c.destroy();
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, join(setup.root, 'app')), page: { viewport: { width: 1400, height: 1300 } } });

describe('an AWS schedule that alerts from AWS itself (moto: SNS, CloudWatch, Scheduler, IAM, S3)', () => {
  it('picks the instance with its cost per run, subscribes the alert e-mail, shows the alarm state beside the schedule, and deletes what was asked', async () => {
    await saveBuckets(page, workbench.origin, { private: 'wb-private', code: 'wb-code' });

    const form = await openAwsScheduleForm(page, workbench.origin, 'os-daily', setup.tarball);

    // The instance and its disk, with what a run costs at most: 2 h (the timeout) of a t3.large at $0.0832/h.
    expect(await form.getByLabel('Instance type').inputValue()).toBe('m6i.large');
    expect(await form.getByRole('status', { name: 'Cost per run' }).textContent()).toContain('at most $0.19');
    await form.getByLabel('Instance type').selectOption('t3.large');
    await form.getByLabel('Disk (GiB)').fill('30');
    expect(await form.getByRole('status', { name: 'Cost per run' }).textContent()).toMatch(/at most \$0\.17 \(2 h timeout × \$0\.0832\/h/);
    await form.getByLabel('Disk (GiB)').fill('4');
    await form.getByLabel('Disk (GiB)').blur();
    expect(await form.getByRole('alert').filter({ hasText: 'a disk of at least 8 GiB' }).count()).toBe(1);
    await form.getByLabel('Disk (GiB)').fill('30');

    // The alert e-mail: what AWS will send first is said before anything is subscribed.
    const alerts = form.getByRole('group', { name: 'Alert e-mail' });
    expect(await alerts.textContent()).toContain('AWS first sends a confirmation mail: alerts arrive only after its link is clicked.');
    await alerts.getByLabel('Alert e-mail').fill('team@example.org');
    await alerts.getByRole('button', { name: 'Subscribe' }).click();
    // moto confirms e-mail subscriptions at once; AWS shows "pending confirmation" until the link is clicked.
    await eventually(() => alerts.getByLabel('Subscription').textContent()).toBe('Subscription of team@example.org: confirmed');
    const sns = client(new SNSClient(moto.clientConfig()));
    const [topic] = ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn ?? '');
    expect(topic).toMatch(/:analysis-workbench-alerts$/);
    expect(((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }))).Subscriptions ?? []).map((s) => s.Endpoint)).toEqual(['team@example.org']);

    // The IAM preview lists the new permissions.
    await form.locator('details.aws-permissions summary').click();
    const jobRole = form.getByRole('region', { name: 'Role wb-os-daily' });
    await eventually(() => jobRole.textContent()).toContain('"Action": "sns:Publish"');
    expect(await jobRole.textContent()).toContain('"cloudwatch:namespace": "AnalysisWorkbench"');
    await screenshot(page, 'schedules-aws-alerts-form');

    await form.getByRole('button', { name: 'Schedule' }).click();
    const row = page.locator('tr[data-schedule="os-daily"]');
    await eventually(() => row.count()).toBe(1);
    const made = await client(new SchedulerClient(moto.clientConfig())).send(new GetScheduleCommand({ Name: 'os-daily', GroupName: 'analysis-workbench' }));
    expect(JSON.parse(made.Target?.Input ?? '{}')).toMatchObject({ InstanceType: 't3.large', BlockDeviceMappings: [{ Ebs: { VolumeSize: 30 } }] });
    const cloudwatch = client(new CloudWatchClient(moto.clientConfig()));
    const alarm = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['analysis-workbench-os-daily'] }))).MetricAlarms?.[0];
    expect(alarm).toMatchObject({ MetricName: 'RunSucceeded', TreatMissingData: 'breaching', AlarmActions: [topic] });

    // The alarm's state beside the schedule: as CloudWatch has it, read again when the list is shown.
    await eventually(() => row.getByLabel(/^Alarm /).getAttribute('aria-label')).toBe(`Alarm ${alarm?.StateValue}`);
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'analysis-workbench-os-daily', StateValue: 'ALARM', StateReason: 'the 12:00 run did not happen' }));
    await page.reload();
    await eventually(() => row.getByLabel('Alarm ALARM').textContent()).toBe('alarm: ALARM');
    await screenshot(page, 'schedules-aws-alarm-state');

    // Delete asks; the role, profile and code go too unless unticked. Published output is never touched.
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete os-daily?' });
    const also = dialog.getByLabel(/Also remove its own IAM role \(and instance profile\), and its code in S3/);
    expect(await also.isChecked()).toBe(true);
    await screenshot(page, 'schedules-aws-delete-asks');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await eventually(() => row.count()).toBe(0);
    await expect(client(new IAMClient(moto.clientConfig())).send(new GetRoleCommand({ RoleName: 'wb-os-daily' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect((await client(new S3Client(moto.clientConfig())).send(new ListObjectsV2Command({ Bucket: 'wb-code', Prefix: 'os-daily/' }))).KeyCount).toBe(0);
    expect((await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['analysis-workbench-os-daily'] }))).MetricAlarms).toEqual([]);
    expect(problems).toEqual([]);
  });
});
