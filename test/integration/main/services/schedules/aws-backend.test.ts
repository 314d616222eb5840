import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsScheduleBackend, type ScheduleBuckets } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { readRunSpec } from '../../../../../src/main/services/schedules/scheduled-user-data.ts';
import { Schedule, type ScheduleInput } from '../../../../../src/shared/schedule.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';

const run = promisify(execFile);
const WORKER_DIR = join(process.cwd(), 'resources', 'worker');
const BUCKETS = { code: 'wb-code', private: 'wb-private', public: 'wb-public' };

describe('the AWS schedule backend against moto (S3, IAM, EventBridge Scheduler, EC2)', () => {
  const moto = useMoto();
  let dir: string;
  let tarball: string;
  let buckets: ScheduleBuckets;
  let backend: AwsScheduleBackend;
  let schedules: Map<string, Schedule>;
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);

  beforeAll(async () => {
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = await useTempDir('aws-schedules');
    const s3 = client(new S3Client(moto.clientConfig()));
    for (const bucket of Object.values(BUCKETS)) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    // A real package, made with tar: run.sh writes output/.
    const pkg = join(dir, 'pkg');
    await mkdir(pkg);
    await writeFile(join(pkg, 'run.sh'), '#!/bin/sh\nmkdir -p output\necho "os,n" > output/os.csv\necho "Linux,3" >> output/os.csv\necho done\n', { mode: 0o755 });
    tarball = join(dir, 'daily-os.tar.gz');
    await run('tar', ['-czf', tarball, '-C', pkg, '.']);
    buckets = { ...BUCKETS };
    schedules = new Map();
    backend = new AwsScheduleBackend({
      clients: motoScheduleClients(moto),
      buckets: async () => buckets,
      workerDir: WORKER_DIR,
      lookup: async (name) => schedules.get(name),
    });
  });

  function schedule(input: Partial<ScheduleInput> = {}): Schedule {
    const s = Schedule.parse({ name: 'daily-os', tarball, frequency: { kind: 'weekly', dayOfWeek: 1 }, timeOfDay: '06:30', backend: 'aws', ...input });
    schedules.set(s.name, s);
    return s;
  }

  const scheduler = () => client(new SchedulerClient(moto.clientConfig()));
  const getSchedule = (name: string, group = 'analysis-workbench') => scheduler().send(new GetScheduleCommand({ Name: name, GroupName: group }));

  it('creates the schedule: cron expression in UTC, dates, RunInstances target, input and role', async () => {
    await backend.deploy(schedule({ startDate: '2099-03-01', endDate: '2099-12-31', command: "./run.sh --label 'weekly'", instanceType: 't3.medium', diskGiB: 40 }), tarball);

    const got = await getSchedule('daily-os');
    expect(got.ScheduleExpression).toBe('cron(30 6 ? * 2 *)');
    expect(got.ScheduleExpressionTimezone).toBe('UTC');
    expect(got.State).toBe('ENABLED');
    expect(got.FlexibleTimeWindow?.Mode).toBe('OFF');
    expect(got.StartDate?.toISOString()).toBe('2099-03-01T00:00:00.000Z');
    expect(got.EndDate?.toISOString()).toBe('2100-01-01T00:00:00.000Z');
    expect(got.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:ec2:runInstances');

    const input = JSON.parse(got.Target?.Input ?? '{}') as Record<string, unknown> & { ClientToken: string; UserData: string; TagSpecifications: { Tags: { Key: string; Value: string }[] }[] };
    // The token is the job and the scheduled time: a retried trigger presents the same one.
    expect(input.ClientToken).toMatch(/^daily-os-[0-9a-f]{8}-<aws\.scheduler\.scheduled-time>$/);
    expect(input.ClientToken.replace('<aws.scheduler.scheduled-time>', '2026-03-02T06:30:00Z').length).toBeLessThanOrEqual(64);
    expect(input).toMatchObject({ MinCount: 1, MaxCount: 1, InstanceType: 't3.medium', InstanceInitiatedShutdownBehavior: 'terminate' });
    // The schedule's instance type and root disk (Ubuntu's root device), gone with the instance.
    expect(input['BlockDeviceMappings']).toEqual([{ DeviceName: '/dev/sda1', Ebs: { VolumeSize: 40, VolumeType: 'gp3', DeleteOnTermination: true } }]);
    expect(input['MetadataOptions']).toEqual({ HttpTokens: 'required', InstanceMetadataTags: 'enabled' });
    expect(input.TagSpecifications[0]?.Tags).toContainEqual({ Key: 'workbench-scheduled-for', Value: '<aws.scheduler.scheduled-time>' });

    // The user-data: cloud-init that fetches the kit and runs run-job.sh through scheduled_run.py.
    const userData = Buffer.from(input.UserData, 'base64').toString('utf8');
    expect(userData.startsWith('#cloud-config\n')).toBe(true);
    expect(userData).toContain('[shutdown, -h, "+150"]'); // timeout 120 + 30 minutes: the safety net
    expect(userData).toContain('[python3, /opt/workbench/scheduled_run.py, /etc/workbench/run.json]');
    const script = /path: \/opt\/workbench\/scheduled_run\.py[\s\S]*?content: ([A-Za-z0-9+/=]+)/.exec(userData)?.[1] ?? '';
    expect(Buffer.from(script, 'base64').toString('utf8')).toBe(await readFile(join(WORKER_DIR, 'scheduled_run.py'), 'utf8'));
    const spec = readRunSpec(userData);
    expect(spec).toMatchObject({ job: 'daily-os', region: 'us-east-1', command: "./run.sh --label 'weekly'", outputDir: 'output', timeoutMinutes: 120, publish: 's3://wb-private/daily-os', visibility: 'private' });
    expect(spec?.code).toMatch(/^s3:\/\/wb-code\/daily-os\/code\/[0-9a-f]{64}\.tar\.gz$/);
    expect(spec?.kit).toMatch(/^s3:\/\/wb-code\/daily-os\/code\/worker-[0-9a-f]{16}\.tar\.gz$/);
    // The command line is in run.json only, never as YAML or shell text.
    expect(userData).not.toContain('--label');
    const s3 = client(new S3Client(moto.clientConfig()));
    for (const url of [spec!.code, spec!.kit]) {
      const key = url.replace('s3://wb-code/', '');
      await expect(s3.send(new HeadObjectCommand({ Bucket: 'wb-code', Key: key }))).resolves.toBeTruthy();
    }

    // The roles: the scheduler's (trusting scheduler.amazonaws.com) and the job's instance profile.
    const iam = client(new IAMClient(moto.clientConfig()));
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'analysis-workbench-scheduler' }))).Role;
    expect(got.Target?.RoleArn).toBe(role?.Arn);
    expect(JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '{}'))).toMatchObject({ Statement: [{ Principal: { Service: 'scheduler.amazonaws.com' } }] });
    const rolePolicy = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'analysis-workbench-scheduler', PolicyName: 'run-scheduled-jobs' }))).PolicyDocument ?? '{}')) as { Statement: { Action: string }[] };
    expect(rolePolicy.Statement.map((s) => s.Action)).toEqual(['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole', 'cloudwatch:PutMetricData']);
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'wb-daily-os' }))).InstanceProfile;
    expect(input['IamInstanceProfile']).toEqual({ Arn: profile?.Arn });
    expect(profile?.Roles?.map((r) => r.RoleName)).toEqual(['wb-daily-os']);
    const jobPolicy = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'wb-daily-os', PolicyName: 'scheduled-job' }))).PolicyDocument ?? '{}')) as { Statement: { Action: string; Resource: string }[] };
    expect(jobPolicy.Statement.map((s) => [s.Action, s.Resource])).toEqual([
      ['s3:GetObject', 'arn:aws:s3:::wb-code/daily-os/code/*'],
      [['s3:PutObject', 's3:GetObject'], ['arn:aws:s3:::wb-private/daily-os/runs/*', 'arn:aws:s3:::wb-private/daily-os/data/*']],
      ['s3:DeleteObject', 'arn:aws:s3:::wb-private/daily-os/data/*'],
      ['s3:ListBucket', 'arn:aws:s3:::wb-private'],
      ['s3:PutObject', ['arn:aws:s3:::wb-private/daily-os/logs/*', 'arn:aws:s3:::wb-private/daily-os/runs/*']],
      ['sns:Publish', 'arn:aws:sns:*:*:analysis-workbench-alerts'],
      ['cloudwatch:PutMetricData', '*'],
    ]);
    // What the UI shows before deploying is what was made.
    const plan = await backend.permissions(schedules.get('daily-os')!);
    expect(plan.instanceRole.policy).toEqual(jobPolicy);
  });

  it('a monthly day 30 needs two schedules (February in its own group); an edit to daily drops the second', async () => {
    await backend.deploy(schedule({ frequency: { kind: 'monthly', dayOfMonth: 30 }, timeOfDay: '12:00' }), tarball);
    expect((await getSchedule('daily-os')).ScheduleExpression).toBe('cron(0 12 30 1,3-12 ? *)');
    expect((await getSchedule('daily-os', 'analysis-workbench-2')).ScheduleExpression).toBe('cron(0 12 L 2 ? *)');

    // An edit with a start date already past: Scheduler refuses past starts, so none is sent.
    await backend.deploy(schedule({ frequency: { kind: 'daily' }, startDate: '2020-01-01' }), tarball);
    expect((await getSchedule('daily-os')).StartDate).toBeUndefined();
    expect((await getSchedule('daily-os')).ScheduleExpression).toBe('cron(30 6 * * ? *)');
    await expect(getSchedule('daily-os', 'analysis-workbench-2')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('disables and enables the schedule, keeping everything else; delete removes it', async () => {
    await backend.deploy(schedule(), tarball);
    const before = await getSchedule('daily-os');
    await backend.setEnabled('daily-os', false);
    const disabled = await getSchedule('daily-os');
    expect(disabled.State).toBe('DISABLED');
    expect(disabled.Target?.Input).toBe(before.Target?.Input);
    expect(disabled.ScheduleExpression).toBe(before.ScheduleExpression);
    await backend.setEnabled('daily-os', true);
    expect((await getSchedule('daily-os')).State).toBe('ENABLED');

    await backend.remove('daily-os');
    await expect(getSchedule('daily-os')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(backend.setEnabled('daily-os', true)).rejects.toThrow(/has no schedule in EventBridge Scheduler/);
    await backend.remove('daily-os'); // twice is fine
  });

  it('run now launches one self-terminating instance; a retry with the same run id launches no second', async () => {
    await backend.deploy(schedule(), tarball);
    const ec2 = client(new EC2Client(moto.clientConfig()));
    const first = await backend.launchRun('daily-os', 'now-20260301T101500Z-abc123');
    const again = await backend.launchRun('daily-os', 'now-20260301T101500Z-abc123');
    expect(again).toBe(first);
    const listed = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:workbench:job', Values: ['daily-os'] }] }));
    const instances = (listed.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    expect(instances.map((i) => i.InstanceId)).toEqual([first]);
    const tags = Object.fromEntries((instances[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toMatchObject({ app: 'analysis-workbench', 'workbench:job': 'daily-os', 'workbench-run-id': 'now-20260301T101500Z-abc123' });
    expect(tags['workbench-scheduled-for']).toBeUndefined();
    const behaviour = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: first, Attribute: 'instanceInitiatedShutdownBehavior' }));
    expect(behaviour.InstanceInitiatedShutdownBehavior?.Value).toBe('terminate');
    const userData = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: first, Attribute: 'userData' }));
    expect(readRunSpec(Buffer.from(userData.UserData?.Value ?? '', 'base64').toString('utf8'))?.job).toBe('daily-os');

    const runId = await backend.runNow(schedules.get('daily-os')!);
    expect(runId).toMatch(/^now-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const after = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:workbench-run-id', Values: [runId] }] }));
    expect((after.Reservations ?? []).flatMap((r) => r.Instances ?? [])).toHaveLength(1);
  });

  it('history reads the run records run-job.sh wrote to S3, newest first, and the log of a run', async () => {
    const s = schedule();
    await backend.deploy(s, tarball);
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: moto.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' };
    delete env['AWS_PROFILE'];
    for (const [runId, command] of [
      ['2026-03-02T06-30-00Z', './run.sh'],
      ['2026-03-09T06-30-00Z', 'echo broken >&2; exit 4'],
    ] as const) {
      await run('sh', [join(WORKER_DIR, 'run-job.sh'), '--job', 'daily-os', '--run-id', runId, '--code', tarball, '--command', command, '--output-dir', 'output', '--timeout-minutes', '5', '--publish', 's3://wb-private/daily-os', '--scheduled-for', runId.replace(/T(\d\d)-(\d\d)-(\d\d)Z/, 'T$1:$2:$3Z')], { env });
    }
    // A stray object under runs/ is not a record and is left out.
    await client(new S3Client(moto.clientConfig())).send(new PutObjectCommand({ Bucket: 'wb-private', Key: 'daily-os/runs/notes.json', Body: 'not json' }));

    const history = await backend.history('daily-os');
    expect(history.map((r) => [r.runId, r.status, r.exitCode])).toEqual([
      ['2026-03-09T06-30-00Z', 'failed', 4],
      ['2026-03-02T06-30-00Z', 'succeeded', 0],
    ]);
    expect(history[1]).toMatchObject({ filesPublished: 1, bytesPublished: 13, scheduledFor: '2026-03-02T06:30:00Z', log: 'daily-os/logs/2026-03-02T06-30-00Z.log.gz', output: 'daily-os/runs/2026-03-02T06-30-00Z/data/' });
    // The history table is told the bucket too: the record itself names only keys.
    expect(backend.locate(history[1]!)).toEqual({ log: 's3://wb-private/daily-os/logs/2026-03-02T06-30-00Z.log.gz', output: 's3://wb-private/daily-os/runs/2026-03-02T06-30-00Z/data/' });
    const log = await backend.readLog('daily-os', '2026-03-09T06-30-00Z', 10_000);
    expect(log.text).toContain('broken');
    expect(log.truncated).toBe(false);
  });

  it("plays an instance's first boot here: scheduled_run.py from the user-data fetches the kit, runs the job, records it and powers off", async () => {
    await backend.deploy(schedule(), tarball);
    const input = JSON.parse((await getSchedule('daily-os')).Target?.Input ?? '{}') as { UserData: string };
    const userData = Buffer.from(input.UserData, 'base64').toString('utf8');
    const boot = join(dir, 'boot');
    await mkdir(join(boot, 'bin'), { recursive: true });
    const script = /path: \/opt\/workbench\/scheduled_run\.py[\s\S]*?content: ([A-Za-z0-9+/=]+)/.exec(userData)?.[1] ?? '';
    await writeFile(join(boot, 'scheduled_run.py'), Buffer.from(script, 'base64'));
    await writeFile(join(boot, 'run.json'), JSON.stringify(readRunSpec(userData)));
    // Powering off is the one step not done for real: `shutdown` here only notes how it was called.
    await writeFile(join(boot, 'bin', 'shutdown'), '#!/bin/sh\necho "$*" >> "$SHUTDOWN_LOG"\n', { mode: 0o755 });

    // The instance metadata service as EC2 answers it (IMDSv2): a token, then the instance's tags.
    let scheduledFor = '2026-03-02T06:30:00Z';
    const imds = createServer((req, res) => {
      if (req.method === 'PUT' && req.url === '/latest/api/token') return void res.end('token-1');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'token-1') return void res.writeHead(401).end();
      if (req.url === '/latest/meta-data/tags/instance/workbench-scheduled-for') return void res.end(scheduledFor);
      res.writeHead(404).end();
    });
    await new Promise<void>((ready) => imds.listen(0, '127.0.0.1', ready));
    const { port } = imds.address() as AddressInfo;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${join(boot, 'bin')}:${process.env['PATH'] ?? ''}`,
      SHUTDOWN_LOG: join(boot, 'shutdown.log'),
      WORKBENCH_IMDS_ENDPOINT: `http://127.0.0.1:${port}`,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    };
    delete env['AWS_PROFILE'];
    const bootOnce = (kitDir: string) => run('python3', [join(boot, 'scheduled_run.py'), join(boot, 'run.json')], { env: { ...env, WORKBENCH_KIT_DIR: join(boot, kitDir) } }).catch((err: { code?: number }) => err.code);
    try {
      await bootOnce('kit-1');
      const [record, ...others] = await backend.history('daily-os');
      expect(others).toEqual([]);
      expect(record).toMatchObject({ runId: '2026-03-02T06-30-00Z', scheduledFor: '2026-03-02T06:30:00Z', status: 'succeeded', filesPublished: 1 });
      expect((await backend.readLog('daily-os', '2026-03-02T06-30-00Z', 10_000)).text).toContain('done');
      expect(await readFile(join(boot, 'shutdown.log'), 'utf8')).toBe('-h now\n');
      // The schedule names no data folder yet: the job gets no DATA_DIR. One named in run.json is the job's DATA_DIR.
      expect((await backend.readLog('daily-os', '2026-03-02T06-30-00Z', 10_000)).text).toContain('no data folder given: DATA_DIR is not set');
      const data = join(boot, 'data');
      await mkdir(data);
      await writeFile(join(boot, 'run.json'), JSON.stringify({ ...readRunSpec(userData), dataDir: data }));
      scheduledFor = '2026-03-04T06:30:00Z';
      await bootOnce('kit-data');
      expect((await backend.readLog('daily-os', '2026-03-04T06-30-00Z', 10_000)).text).toContain(`data folder: ${data}\n`);

      // A week later the kit is gone from the bucket: the instance still says why, and still powers off.
      const spec = readRunSpec(userData)!;
      await client(new S3Client(moto.clientConfig())).send(new DeleteObjectCommand({ Bucket: 'wb-code', Key: spec.kit.replace('s3://wb-code/', '') }));
      scheduledFor = '2026-03-09T06:30:00Z';
      expect(await bootOnce('kit-2')).toBe(1);
      const [failed] = await backend.history('daily-os');
      expect(failed).toMatchObject({ runId: '2026-03-09T06-30-00Z', status: 'failed', exitCode: null });
      expect(failed?.message).toMatch(/could not fetch the worker kit/);
      expect(await readFile(join(boot, 'shutdown.log'), 'utf8')).toBe('-h now\n-h now\n-h now\n');
    } finally {
      await new Promise((closed) => imds.close(closed));
    }
  });

  it('says which bucket to set when one is missing', async () => {
    buckets = { private: 'wb-private' };
    await expect(backend.deploy(schedule(), tarball)).rejects.toThrow(/Set the code bucket .* in Settings/);
    buckets = { code: 'wb-code' };
    await expect(backend.deploy(schedule({ visibility: 'public' }), tarball)).rejects.toThrow(/Set the public bucket in Settings/);
    buckets = { ...BUCKETS };
    await expect(backend.deploy(schedule({ endDate: '2021-01-31' }), tarball)).rejects.toThrow(/endDate: 2021-01-31 has passed/);
    await expect(getSchedule('daily-os')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
