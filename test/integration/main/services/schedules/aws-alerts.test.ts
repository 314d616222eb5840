import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricStatisticsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetInstanceProfileCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsScheduleBackend } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { readRunSpec } from '../../../../../src/main/services/schedules/scheduled-user-data.ts';
import { Schedule, type ScheduleInput } from '../../../../../src/shared/schedule.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';

const run = promisify(execFile);
const WORKER_DIR = join(process.cwd(), 'resources', 'worker');
const BUCKETS = { code: 'wb-code', private: 'wb-private', public: 'wb-public' };

describe('alerts from AWS itself and what delete removes (moto: SNS, CloudWatch, Scheduler, IAM, S3)', () => {
  const moto = useMoto();
  let tarball: string;
  let dir: string;
  let backend: AwsScheduleBackend;
  let email: string | undefined;
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  const sns = () => client(new SNSClient(moto.clientConfig()));
  const cloudwatch = () => client(new CloudWatchClient(moto.clientConfig()));
  const scheduler = () => client(new SchedulerClient(moto.clientConfig()));
  const iam = () => client(new IAMClient(moto.clientConfig()));
  const s3 = () => client(new S3Client(moto.clientConfig()));

  afterAll(() => {
    for (const c of clients) c.destroy();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = await useTempDir('aws-alerts');
    for (const bucket of Object.values(BUCKETS)) await s3().send(new CreateBucketCommand({ Bucket: bucket }));
    const pkg = join(dir, 'pkg');
    await mkdir(pkg);
    await writeFile(join(pkg, 'run.sh'), '#!/bin/sh\nmkdir -p output\necho ok > output/a.txt\n', { mode: 0o755 });
    tarball = join(dir, 'job.tar.gz');
    await run('tar', ['-czf', tarball, '-C', pkg, '.']);
    email = 'team@example.org';
    backend = new AwsScheduleBackend({
      clients: motoScheduleClients(moto),
      buckets: async () => BUCKETS,
      workerDir: WORKER_DIR,
      alertEmail: async () => email,
    });
  });

  const schedule = (input: Partial<ScheduleInput> = {}): Schedule => Schedule.parse({ name: 'daily-os', tarball, frequency: { kind: 'daily' }, timeOfDay: '06:30', backend: 'aws', ...input });
  const alarm = async (name = 'analysis-workbench-daily-os') => (await cloudwatch().send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
  const topics = async () => ((await sns().send(new ListTopicsCommand({}))).Topics ?? []).map((t) => t.TopicArn ?? '');
  const getSchedule = (group: string) => scheduler().send(new GetScheduleCommand({ Name: 'daily-os', GroupName: group }));

  it('makes the alert topic with the e-mail subscribed, passes it to every run, and sets an alarm on the run metric', async () => {
    // Reading the subscription's state makes nothing.
    expect(await backend.alertSubscription('team@example.org', false)).toEqual({ email: 'team@example.org', state: 'none', topicArn: null });
    expect(await topics()).toEqual([]);
    await backend.deploy(schedule({ timeoutMinutes: 90 }), tarball);

    const [topic, ...more] = await topics();
    expect(more).toEqual([]);
    expect(topic).toMatch(/^arn:aws:sns:us-east-1:\d{12}:analysis-workbench-alerts$/);
    const subscriptions = (await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }))).Subscriptions ?? [];
    expect(subscriptions.map((s) => [s.Protocol, s.Endpoint])).toEqual([['email', 'team@example.org']]);

    // Each run is told the topic and the namespace (run-job.sh --alert-topic / --metric-namespace).
    const input = JSON.parse((await getSchedule('analysis-workbench')).Target?.Input ?? '{}') as { UserData: string };
    expect(readRunSpec(Buffer.from(input.UserData, 'base64').toString('utf8'))).toMatchObject({ alertTopic: topic, metricNamespace: 'AnalysisWorkbench' });

    expect(await alarm()).toMatchObject({
      Namespace: 'AnalysisWorkbench',
      MetricName: 'RunSucceeded',
      Dimensions: [{ Name: 'Job', Value: 'daily-os' }],
      Statistic: 'Minimum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      // A day plus the timeout (90 min) and the 30 minutes an instance may take to set up and publish.
      Period: 86_400 + 120 * 60,
      EvaluationPeriods: 1,
      TreatMissingData: 'breaching',
      ActionsEnabled: true,
      AlarmActions: [topic],
    });
    // A daily job needs no heartbeat: it puts its metric every day.
    await expect(getSchedule('analysis-workbench-heartbeat-1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    // A second deploy (an edit) subscribes nobody twice, and leaves a subscriber added in the console alone.
    await sns().send(new SubscribeCommand({ TopicArn: topic, Protocol: 'email', Endpoint: 'ops@example.org' }));
    await backend.deploy(schedule({ timeoutMinutes: 90 }), tarball);
    const endpoints = async () => ((await sns().send(new ListSubscriptionsByTopicCommand({ TopicArn: topic }))).Subscriptions ?? []).map((s) => s.Endpoint).sort();
    expect(await endpoints()).toEqual(['ops@example.org', 'team@example.org']);
    // A new address replaces the one before it.
    expect(await backend.alertSubscription('oncall@example.org', true, 'team@example.org')).toEqual({ email: 'oncall@example.org', state: 'confirmed', topicArn: topic });
    expect(await endpoints()).toEqual(['oncall@example.org', 'ops@example.org']);
    expect(await backend.alertSubscription('someone@example.org', false)).toMatchObject({ state: 'none' });
  });

  it('a weekly job gets a heartbeat on its six other days, so its alarm window is a day plus its run', async () => {
    await backend.deploy(schedule({ frequency: { kind: 'weekly', dayOfWeek: 1 } }), tarball);
    const beat = await getSchedule('analysis-workbench-heartbeat-1');
    expect(beat.ScheduleExpression).toBe('cron(30 6 ? * 1,3,4,5,6,7 *)');
    expect(beat.ScheduleExpressionTimezone).toBe('UTC');
    expect(beat.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData');
    expect(JSON.parse(beat.Target?.Input ?? '{}')).toEqual({ Namespace: 'AnalysisWorkbench', MetricData: [{ MetricName: 'RunSucceeded', Dimensions: [{ Name: 'Job', Value: 'daily-os' }], Value: 1, Unit: 'Count' }] });
    const role = (await iam().send(new GetRoleCommand({ RoleName: 'analysis-workbench-scheduler' }))).Role;
    expect(beat.Target?.RoleArn).toBe(role?.Arn);
    expect((await alarm())?.Period).toBe(86_400 + 150 * 60);

    // Monthly on the 31st: every day that is not a month's last, in four expressions.
    await backend.deploy(schedule({ frequency: { kind: 'monthly', dayOfMonth: 31 } }), tarball);
    const expressions = [];
    for (const i of [1, 2, 3, 4]) expressions.push((await getSchedule(`analysis-workbench-heartbeat-${i}`)).ScheduleExpression);
    expect(expressions).toEqual(['cron(30 6 1-27 * ? *)', 'cron(30 6 28-30 1,3,5,7,8,10,12 ? *)', 'cron(30 6 28,29 4,6,9,11 ? *)', expect.stringMatching(/^cron\(30 6 28 2 \? 2028,2032,.*,2096\)$/)]);

    // Back to daily: the heartbeats go.
    await backend.deploy(schedule(), tarball);
    for (const i of [1, 2, 3, 4]) await expect(getSchedule(`analysis-workbench-heartbeat-${i}`)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('before its start date and after its end date a heartbeat puts 1 every day, and the deploy puts a 1 at once, so a new alarm does not go off before the first run', async () => {
    await backend.deploy(schedule({ startDate: '2099-03-01', endDate: '2099-06-30' }), tarball);
    const before = await getSchedule('analysis-workbench-heartbeat-before');
    expect([before.ScheduleExpression, before.StartDate, before.EndDate?.toISOString()]).toEqual(['cron(30 6 * * ? *)', undefined, '2099-03-01T00:00:00.000Z']);
    const after = await getSchedule('analysis-workbench-heartbeat-after');
    expect([after.ScheduleExpression, after.StartDate?.toISOString(), after.EndDate]).toEqual(['cron(30 6 * * ? *)', '2099-07-01T00:00:00.000Z', undefined]);
    expect(after.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:cloudwatch:putMetricData');
    const stats = await cloudwatch().send(
      new GetMetricStatisticsCommand({ Namespace: 'AnalysisWorkbench', MetricName: 'RunSucceeded', Dimensions: [{ Name: 'Job', Value: 'daily-os' }], StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 300_000), Period: 3600, Statistics: ['Minimum', 'SampleCount'] }),
    );
    expect(stats.Datapoints?.map((p) => [p.SampleCount, p.Minimum])).toEqual([[1, 1]]);

    // No dates: neither heartbeat.
    await backend.deploy(schedule(), tarball);
    for (const group of ['analysis-workbench-heartbeat-before', 'analysis-workbench-heartbeat-after']) await expect(getSchedule(group)).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  /** What moto's SNS was asked to publish to a topic: [subject, message]. */
  async function published(topic: string): Promise<[string, string][]> {
    const data = (await (await fetch(`${moto.endpoint}/moto-api/data.json`)).json()) as { sns: { Topic: { arn: string; sent_notifications: [string, string, string][] }[] } };
    return (data.sns.Topic.find((t) => t.arn === topic)?.sent_notifications ?? []).map(([, message, subject]) => [subject, message]);
  }

  it("an instance's run alerts the topic and puts its metric from AWS itself: a failed command, then a kit gone from the bucket", async () => {
    await backend.deploy(schedule({ command: 'echo "token-in-log"; exit 3' }), tarball);
    const [topic] = await topics();
    const input = JSON.parse((await getSchedule('analysis-workbench')).Target?.Input ?? '{}') as { UserData: string };
    const userData = Buffer.from(input.UserData, 'base64').toString('utf8');
    const boot = join(dir, 'boot');
    await mkdir(join(boot, 'bin'), { recursive: true });
    const script = /path: \/opt\/workbench\/scheduled_run\.py[\s\S]*?content: ([A-Za-z0-9+/=]+)/.exec(userData)?.[1] ?? '';
    await writeFile(join(boot, 'scheduled_run.py'), Buffer.from(script, 'base64'));
    const spec = readRunSpec(userData)!;
    await writeFile(join(boot, 'run.json'), JSON.stringify(spec));
    await writeFile(join(boot, 'bin', 'shutdown'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    // The instance metadata service as EC2 answers it (IMDSv2): a token, then the instance's tags.
    let scheduledFor = '2026-03-02T06:30:00Z';
    const imds = createServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('token-1');
      if (req.url === '/latest/meta-data/tags/instance/workbench-scheduled-for') return void res.end(scheduledFor);
      res.writeHead(404).end();
    });
    await new Promise<void>((ready) => imds.listen(0, '127.0.0.1', ready));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${join(boot, 'bin')}:${process.env['PATH'] ?? ''}`,
      WORKBENCH_IMDS_ENDPOINT: `http://127.0.0.1:${(imds.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    delete env['AWS_PROFILE'];
    const bootOnce = (kitDir: string) => run('python3', [join(boot, 'scheduled_run.py'), join(boot, 'run.json')], { env: { ...env, WORKBENCH_KIT_DIR: join(boot, kitDir) } }).catch(() => undefined);
    try {
      await bootOnce('kit-1');
      const [first, ...others] = await published(topic!);
      expect(others).toEqual([]);
      expect(first?.[0]).toBe('Analysis Workbench: daily-os failed');
      expect(first?.[1]).toContain('Run: 2026-03-02T06-30-00Z\nStatus: failed\nScheduled for: 2026-03-02T06:30:00Z\n');
      expect(first?.[1]).toContain('Message: The command failed with exit code 3');
      expect(first?.[1]).toContain('Log: s3://wb-private/daily-os/logs/2026-03-02T06-30-00Z.log.gz\n');
      expect(first?.[1]).not.toContain('token-in-log');
      const stats = await cloudwatch().send(
        new GetMetricStatisticsCommand({ Namespace: 'AnalysisWorkbench', MetricName: 'RunSucceeded', Dimensions: [{ Name: 'Job', Value: 'daily-os' }], StartTime: new Date(Date.now() - 3_600_000), EndTime: new Date(Date.now() + 300_000), Period: 3600, Statistics: ['Minimum', 'Maximum', 'SampleCount'] }),
      );
      // The deploy's 1 (so the new alarm has a value before the first run), then the run's 0.
      expect(stats.Datapoints?.map((p) => [p.SampleCount, p.Minimum, p.Maximum])).toEqual([[2, 0, 1]]);

      // The kit is gone: the instance cannot even start run-job.sh, and still alerts.
      await s3().send(new DeleteObjectCommand({ Bucket: 'wb-code', Key: spec.kit.replace('s3://wb-code/', '') }));
      scheduledFor = '2026-03-03T06:30:00Z';
      await bootOnce('kit-2');
      const second = (await published(topic!))[1];
      expect(second?.[0]).toBe('Analysis Workbench: daily-os failed');
      expect(second?.[1]).toMatch(/Run: 2026-03-03T06-30-00Z\n[\s\S]*Message: The instance could not fetch the worker kit/);
    } finally {
      await new Promise((closed) => imds.close(closed));
    }
  });

  it("shows each job's alarm state; a disabled schedule's alarm and heartbeats send nothing", async () => {
    await backend.deploy(schedule({ frequency: { kind: 'weekly', dayOfWeek: 3 } }), tarball);
    await cloudwatch().send(new SetAlarmStateCommand({ AlarmName: 'analysis-workbench-daily-os', StateValue: 'ALARM', StateReason: 'no run' }));
    expect(await backend.alarmStates()).toEqual({ 'daily-os': 'ALARM' });

    await backend.setEnabled('daily-os', false);
    expect((await alarm())?.ActionsEnabled).toBe(false);
    expect((await getSchedule('analysis-workbench-heartbeat-1')).State).toBe('DISABLED');
    await backend.setEnabled('daily-os', true);
    expect((await alarm())?.ActionsEnabled).toBe(true);
    expect((await getSchedule('analysis-workbench-heartbeat-1')).State).toBe('ENABLED');
  });

  it('delete removes the schedule, heartbeats and alarm, and the role, profile and code only when asked; published output stays', async () => {
    const codeKeys = async () => ((await s3().send(new ListObjectsV2Command({ Bucket: 'wb-code', Prefix: 'daily-os/' }))).Contents ?? []).map((o) => o.Key);
    await s3().send(new PutObjectCommand({ Bucket: 'wb-private', Key: 'daily-os/data/a.txt', Body: 'ok\n' }));
    await s3().send(new PutObjectCommand({ Bucket: 'wb-code', Key: 'other-job/code/x.tar.gz', Body: 'x' }));

    await backend.deploy(schedule({ frequency: { kind: 'weekly', dayOfWeek: 3 } }), tarball);
    expect(await codeKeys()).toHaveLength(2); // the tarball and the worker kit
    await backend.remove('daily-os');
    await expect(getSchedule('analysis-workbench')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(getSchedule('analysis-workbench-heartbeat-1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await alarm()).toBeUndefined();
    // Not asked: the role, the profile and the code stay.
    await expect(iam().send(new GetRoleCommand({ RoleName: 'wb-daily-os' }))).resolves.toBeTruthy();
    await expect(iam().send(new GetInstanceProfileCommand({ InstanceProfileName: 'wb-daily-os' }))).resolves.toBeTruthy();
    expect(await codeKeys()).toHaveLength(2);

    await backend.deploy(schedule(), tarball);
    await backend.remove('daily-os', { removeAwsResources: true });
    await expect(iam().send(new GetRoleCommand({ RoleName: 'wb-daily-os' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    await expect(iam().send(new GetInstanceProfileCommand({ InstanceProfileName: 'wb-daily-os' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(await codeKeys()).toEqual([]);
    // What serves other jobs, and what was published, stays.
    await expect(iam().send(new GetRoleCommand({ RoleName: 'analysis-workbench-scheduler' }))).resolves.toBeTruthy();
    expect(await topics()).toHaveLength(1);
    const kept = await s3().send(new ListObjectsV2Command({ Bucket: 'wb-private', Prefix: 'daily-os/' }));
    expect(kept.Contents?.map((o) => o.Key)).toEqual(['daily-os/data/a.txt']);
    expect((await s3().send(new ListObjectsV2Command({ Bucket: 'wb-code' }))).Contents?.map((o) => o.Key)).toEqual(['other-job/code/x.tar.gz']);
    // Twice is fine: what is gone already is not an error.
    await backend.remove('daily-os', { removeAwsResources: true });
  });
});
