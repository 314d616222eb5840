import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CancelJobRunCommand, EMRServerlessClient, GetJobRunCommand, ListApplicationsCommand, GetApplicationCommand, ListJobRunsCommand, StartJobRunCommand, type StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import { generateWrapper } from '../../../../../src/main/services/packager/wrapper.ts';
import { AwsScheduleBackend } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { ScheduleService } from '../../../../../src/main/services/schedules/schedule-service.ts';
import { ScheduleStore } from '../../../../../src/main/services/schedules/schedule-store.ts';
import { Schedule, type ScheduleInput } from '../../../../../src/shared/schedule.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const WORKER_DIR = resolve('resources', 'worker');
const EXAMPLE = resolve('resources', 'examples', 'os-distribution');
const VENV_PYTHON = resolve('.venv', 'bin', 'python');
const BUCKETS = { code: 'wb-code', private: 'wb-private', public: 'wb-public' };
const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';
const EXECUTION_ID = '<aws.scheduler.execution-id>';
/** What StartJobRun takes as a clientToken (its API reference). */
const TOKEN_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** The schedule's input as Scheduler sends it: its context attributes put in. */
const delivered = (text: string, at: string, execution = 'd32c5kddcf5bb8c3') => JSON.parse(text.split(SCHEDULED_TIME).join(at).split(EXECUTION_ID).join(execution)) as StartJobRunCommandInput;

describe('a Spark package scheduled on AWS runs on EMR Serverless (moto: EMR Serverless, Scheduler, IAM, S3)', () => {
  const moto = useMoto();
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  let dir: string;
  let service: ScheduleService;
  let backend: AwsScheduleBackend;
  let store: ScheduleStore;

  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = await useTempDir('aws-spark');
    const s3 = client(new S3Client(moto.clientConfig()));
    for (const bucket of [...Object.values(BUCKETS), 'telemetry']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    store = new ScheduleStore(new DocumentStore(join(dir, 'app')));
    backend = new AwsScheduleBackend({ clients: motoScheduleClients(moto), buckets: async () => BUCKETS, workerDir: WORKER_DIR, lookup: (name) => store.get(name) });
    service = new ScheduleService({ store, backend: async (kind) => (kind === 'aws' ? backend : 'not in this test') });
  });

  /** os-distribution as the Packager builds it with Engine: Spark (generated run.sh, the runner bundled). */
  async function sparkPackage(): Promise<{ tarball: string; folder: string }> {
    const folder = join(dir, 'pkg');
    await mkdir(folder, { recursive: true });
    for (const name of ['job.py', 'filter.json']) await cp(join(EXAMPLE, name), join(folder, name));
    await cp(join(WORKER_DIR, 'mapreduce'), join(folder, 'mapreduce'), { recursive: true, filter: (src) => !src.includes('__pycache__') });
    const wrapper = generateWrapper({ job: { kind: 'mapreduce', engine: 'spark', mappers: 2, outputName: 'os-distribution.txt' } });
    await writeFile(join(folder, 'run.sh'), wrapper.runSh, { mode: 0o755 });
    const tarball = join(dir, 'os-spark.tar.gz');
    await run('tar', ['-czf', tarball, '-C', folder, '.']);
    return { tarball, folder };
  }

  const sparkSchedule = (tarball: string, more: Partial<ScheduleInput> = {}): ScheduleInput => ({
    name: 'os-spark',
    tarball,
    frequency: { kind: 'daily' },
    timeOfDay: '12:00',
    timeoutMinutes: 45,
    backend: 'aws',
    spark: { driverCores: 1, driverMemoryGiB: 4, executorCores: 4, executorMemoryGiB: 20, maxExecutors: 6 },
    ...more,
  });

  const emr = () => client(new EMRServerlessClient(moto.clientConfig()));
  const iam = () => client(new IAMClient(moto.clientConfig()));
  const scheduleInput = async (): Promise<{ arn: string | undefined; role: string | undefined; text: string }> => {
    const got = await client(new SchedulerClient(moto.clientConfig())).send(new GetScheduleCommand({ Name: 'os-spark', GroupName: 'analysis-workbench' }));
    return { arn: got.Target?.Arn, role: got.Target?.RoleArn, text: got.Target?.Input ?? '' };
  };
  const policyOf = async (role: string, policy: string) => JSON.parse(decodeURIComponent((await iam().send(new GetRolePolicyCommand({ RoleName: role, PolicyName: policy }))).PolicyDocument ?? '{}')) as unknown;
  const objectText = async (bucket: string, key: string) => (await client(new S3Client(moto.clientConfig())).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

  it('saving makes one EMR Serverless application, the job role the IAM preview showed, and a StartJobRun schedule with a well-formed input', async () => {
    const { tarball } = await sparkPackage();
    const preview = await backend.permissions(Schedule.parse(sparkSchedule(tarball)), 'spark');
    await service.create(sparkSchedule(tarball));

    // One application for the app: Spark, the clusters' EMR 7 release, started by a run, stopped when idle.
    const apps = (await emr().send(new ListApplicationsCommand({}))).applications ?? [];
    expect(apps.map((a) => [a.name, a.type?.toUpperCase(), a.releaseLabel])).toEqual([['analysis-workbench-spark', 'SPARK', 'emr-7.13.0']]);
    const app = (await emr().send(new GetApplicationCommand({ applicationId: apps[0]!.id! }))).application!;
    expect(app.autoStartConfiguration).toEqual({ enabled: true });
    expect(app.autoStopConfiguration).toEqual({ enabled: true, idleTimeoutMinutes: 15 });
    expect(app.tags).toEqual({ app: 'analysis-workbench' });

    // The job execution role: trusted by EMR Serverless, with the policy the preview showed.
    expect(preview.engine).toBe('spark');
    expect(preview.instanceProfile).toBe('');
    const role = (await iam().send(new GetRoleCommand({ RoleName: 'wb-os-spark' }))).Role!;
    expect(JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument ?? '{}'))).toEqual(preview.instanceRole.trustPolicy);
    expect(preview.instanceRole.trustPolicy.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'emr-serverless.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(await policyOf('wb-os-spark', 'scheduled-spark-job')).toEqual(preview.instanceRole.policy);
    const actions = preview.instanceRole.policy.Statement.map((s) => [s['Action'], s['Resource']]);
    expect(actions).toContainEqual(['s3:GetObject', 'arn:aws:s3:::wb-code/os-spark/code/*']);
    expect(actions).toContainEqual(['s3:PutObject', ['arn:aws:s3:::wb-private/os-spark/logs/*', 'arn:aws:s3:::wb-private/os-spark/runs/*']]);
    expect(actions).toContainEqual(['sns:Publish', 'arn:aws:sns:*:*:analysis-workbench-alerts']);
    // The scheduler may start runs on the app's applications and pass them the app's roles, nothing more.
    expect(await policyOf('analysis-workbench-scheduler', 'start-spark-jobs')).toEqual(preview.schedulerSparkPolicy?.policy);

    const target = await scheduleInput();
    expect(target.arn).toBe('arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun');
    expect(target.role).toMatch(/:role\/analysis-workbench\/analysis-workbench-scheduler$/);
    const input = JSON.parse(target.text) as StartJobRunCommandInput;
    expect(input.applicationId).toBe(app.applicationId);
    expect(input.executionRoleArn).toBe(role.Arn);
    // The token is the job and Scheduler's execution id: the scheduled time has ':', which a token may not.
    expect(input.clientToken).toMatch(/^os-spark-[0-9a-f]{8}-<aws\.scheduler\.execution-id>$/);
    expect(delivered(target.text, '2026-12-07T12:00:00Z').clientToken).toMatch(TOKEN_PATTERN);
    expect(input.executionTimeoutMinutes).toBe(45);
    const submit = input.jobDriver!.sparkSubmit!;
    expect(submit.entryPoint).toMatch(/^s3:\/\/wb-code\/os-spark\/code\/spark-driver-[0-9a-f]{16}\.py$/);
    expect(await objectText('wb-code', submit.entryPoint!.replace('s3://wb-code/', ''))).toBe(await readFile(join(WORKER_DIR, 'spark_driver.py'), 'utf8'));
    expect(submit.entryPointArguments).toEqual(['--spec', expect.stringMatching(/^s3:\/\/wb-code\/os-spark\/code\/spark-run-[0-9a-f]{16}\.json$/), '--scheduled-for', SCHEDULED_TIME]);
    // The form's sizes; memory is the worker's, of which Spark is given nine tenths (it adds a tenth for overhead).
    expect(submit.sparkSubmitParameters).toBe(
      '--conf spark.driver.cores=1 --conf spark.driver.memory=3686m --conf spark.executor.cores=4 --conf spark.executor.memory=18432m --conf spark.dynamicAllocation.maxExecutors=6',
    );
    const spec = JSON.parse(await objectText('wb-code', submit.entryPointArguments![1]!.replace('s3://wb-code/', ''))) as Record<string, unknown>;
    expect(spec).toMatchObject({ job: 'os-spark', command: 'sh run.sh', outputDir: 'output', timeoutMinutes: 45, publish: 's3://wb-private/os-spark', visibility: 'private', metricNamespace: 'AnalysisWorkbench' });

    // Saved again (an edit): the same application, not a second.
    await service.update('os-spark', { timeoutMinutes: 60 });
    expect((await emr().send(new ListApplicationsCommand({}))).applications?.map((a) => a.id)).toEqual([app.applicationId]);
    expect((JSON.parse((await scheduleInput()).text) as StartJobRunCommandInput).executionTimeoutMinutes).toBe(60);
  }, 60_000);

  it('the schedule input, its scheduled time put in as Scheduler does, is a StartJobRun EMR Serverless takes; the same trigger gives the same token; Run now starts it with its run id', async () => {
    const { tarball } = await sparkPackage();
    await service.create(sparkSchedule(tarball));
    const { text } = await scheduleInput();
    const first = delivered(text, '2026-12-07T12:00:00Z');
    const retry = delivered(text, '2026-12-07T12:00:00Z');
    expect(retry.clientToken).toBe(first.clientToken);
    expect(first.clientToken).toMatch(TOKEN_PATTERN);
    expect(delivered(text, '2026-12-08T12:00:00Z', 'a1b2c3d4e5f60718').clientToken).not.toBe(first.clientToken);

    const started = await emr().send(new StartJobRunCommand(first));
    const again = await emr().send(new StartJobRunCommand(retry));
    const got = (await emr().send(new GetJobRunCommand({ applicationId: first.applicationId, jobRunId: started.jobRunId }))).jobRun!;
    expect(got.executionTimeoutMinutes).toBe(45);
    expect(got.jobDriver?.sparkSubmit?.entryPointArguments).toEqual(['--spec', expect.any(String), '--scheduled-for', '2026-12-07T12:00:00Z']);
    // moto does not honour clientToken (it makes a run per call); AWS answers the retry with the first run.
    const runs = (await emr().send(new ListJobRunsCommand({ applicationId: first.applicationId }))).jobRuns ?? [];
    expect(runs.map((r) => r.id).sort()).toEqual([started.jobRunId, again.jobRunId].sort());
    expect(runs.map((r) => [r.name, r.executionRole])).toEqual([['os-spark', first.executionRoleArn], ['os-spark', first.executionRoleArn]]);

    // Run now: the same input, the run id in place of the scheduled time.
    const runId = await service.runNow('os-spark');
    expect(runId).toMatch(/^now-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    const after = (await emr().send(new ListJobRunsCommand({ applicationId: first.applicationId }))).jobRuns ?? [];
    const byHand = after.find((r) => r.id !== started.jobRunId && r.id !== again.jobRunId)!;
    const handRun = (await emr().send(new GetJobRunCommand({ applicationId: first.applicationId, jobRunId: byHand.id }))).jobRun!;
    expect(handRun.jobDriver?.sparkSubmit?.entryPointArguments).toEqual(['--spec', first.jobDriver!.sparkSubmit!.entryPointArguments![1], '--run-id', runId]);
    expect(handRun.executionTimeoutMinutes).toBe(45);
  }, 60_000);

  it('the driver, run with the local pyspark as EMR Serverless runs it, publishes the output and run record a local run gives; history shows the run', async () => {
    const { tarball, folder } = await sparkPackage();
    // The data in S3, read by the job through its role on AWS (here moto's).
    const data = join(dir, 'data');
    await run('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', data, '--records', '300', '--seed', '19']);
    const s3 = client(new S3Client(moto.clientConfig()));
    for (const file of await readdir(data, { recursive: true, withFileTypes: true })) {
      if (!file.isFile()) continue;
      const path = join(file.parentPath, file.name);
      await s3.send(new PutObjectCommand({ Bucket: 'telemetry', Key: `v2/${relative(data, path)}`, Body: await readFile(path) }));
    }
    await service.create(sparkSchedule(tarball, { dataSource: 's3://telemetry/v2' }));
    const scheduled = delivered((await scheduleInput()).text, '2026-12-07T12:00:00Z');
    const submit = scheduled.jobDriver!.sparkSubmit!;

    // EMR Serverless fetches the entry point and runs it under spark-submit: here with master local[2].
    const driver = join(dir, 'emr', 'spark_driver.py');
    await mkdir(join(dir, 'emr'));
    await writeFile(driver, await objectText('wb-code', submit.entryPoint!.replace('s3://wb-code/', '')));
    const home = join(dir, 'home');
    await mkdir(home);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      HOME: home,
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      PYSPARK_SUBMIT_ARGS: '--master local[2] pyspark-shell',
      PYSPARK_PYTHON: VENV_PYTHON,
      ...(process.env['JAVA_HOME'] ? { JAVA_HOME: process.env['JAVA_HOME'] } : {}),
    };
    const driven = await run(VENV_PYTHON, [driver, ...submit.entryPointArguments!], { env, cwd: join(dir, 'emr'), timeout: 240_000 });
    expect(driven.stdout).toContain('run 2026-12-07T12-00-00Z of os-spark: succeeded');

    const record = JSON.parse(await objectText('wb-private', 'os-spark/runs/2026-12-07T12-00-00Z.json')) as Record<string, unknown>;
    const published = await objectText('wb-private', 'os-spark/data/os-distribution.txt');
    const log = (await service.readLog('os-spark', '2026-12-07T12-00-00Z')).text;
    // The runner ran in the driver's session: its master, not a local one of its own.
    expect(log).toMatch(/match the filter; Spark master local\[2\], 1 reducer$/m);

    // The same package run here by run-job.sh, as a Test run runs it, on the same data.
    const here = join(dir, 'here');
    await mkdir(here);
    const localEnv = { ...process.env, PATH: `${resolve('.venv', 'bin')}:${process.env['PATH']}`, HOME: home };
    await run('sh', [join(WORKER_DIR, 'run-job.sh'), '--job', 'os-spark', '--run-id', 'here-1', '--code', tarball, '--command', 'sh run.sh', '--output-dir', 'output', '--timeout-minutes', '10', '--publish', here, '--data-dir', data], { env: localEnv, timeout: 240_000 });
    const hereRecord = JSON.parse(await readFile(join(here, 'runs', 'here-1.json'), 'utf8')) as Record<string, unknown>;
    const sorted = (text: string) => text.split('\n').sort();
    expect(published.split('\n').length).toBeGreaterThan(2);
    expect(sorted(published)).toEqual(sorted(await readFile(join(here, 'data', 'os-distribution.txt'), 'utf8')));
    expect(Object.keys(record).sort()).toEqual(Object.keys(hereRecord).sort());
    for (const field of ['version', 'job', 'status', 'exitCode', 'timedOut', 'filesPublished', 'bytesPublished', 'guardFindings', 'message']) expect(record[field], field).toEqual(hereRecord[field]);
    expect(record).toMatchObject({ runId: '2026-12-07T12-00-00Z', scheduledFor: '2026-12-07T12:00:00Z', status: 'succeeded', log: 'os-spark/logs/2026-12-07T12-00-00Z.log.gz', output: 'os-spark/runs/2026-12-07T12-00-00Z/data/' });

    // The same trigger delivered again starts a second job run (moto, like AWS for a new execution
    // id, takes a second token): its driver finds the run claimed and runs nothing.
    const twice = await run(VENV_PYTHON, [driver, ...submit.entryPointArguments!], { env, cwd: join(dir, 'emr'), timeout: 240_000 });
    expect(twice.stdout.trim()).toBe('run 2026-12-07T12-00-00Z of os-spark is run by another job run of the same trigger; this one stops');
    expect(JSON.parse(await objectText('wb-private', 'os-spark/runs/2026-12-07T12-00-00Z.json'))).toEqual(record);

    // The app's history of the job shows the run, where its log and output are.
    const rows = (await service.history('os-spark')).filter((r) => r.runId);
    expect(rows.map((r) => [r.runId, r.status, r.output])).toEqual([['2026-12-07T12-00-00Z', 'succeeded', 's3://wb-private/os-spark/runs/2026-12-07T12-00-00Z/data/']]);
    await rm(folder, { recursive: true });
  }, 300_000);

  it('history shows a run EMR Serverless ended before its driver wrote a record, saying so, and only the record once there is one', async () => {
    const { tarball } = await sparkPackage();
    await service.create(sparkSchedule(tarball));
    const input = delivered((await scheduleInput()).text, '2026-12-07T12:00:00Z');
    const started = await emr().send(new StartJobRunCommand(input));
    // moto ends every job run in SUCCESS at once; a run that succeeded is not listed before its record arrives.
    expect((await service.history('os-spark')).filter((r) => r.runId)).toEqual([]);
    await emr().send(new CancelJobRunCommand({ applicationId: input.applicationId, jobRunId: started.jobRunId }));
    const [row] = (await service.history('os-spark')).filter((r) => r.runId);
    expect(row).toMatchObject({ status: 'failed', runId: '2026-12-07T12-00-00Z', scheduledFor: '2026-12-07T12:00:00.000Z', log: null, output: null });
    expect(row?.message).toBe(`EMR Serverless ended job run ${started.jobRunId} (cancelled) before it wrote its run record; its driver's log is with the job run in EMR Serverless.`);

    const record = { version: 1, job: 'os-spark', runId: '2026-12-07T12-00-00Z', scheduledFor: '2026-12-07T12:00:00Z', startedAt: '2026-12-07T12:01:00Z', endedAt: '2026-12-07T12:09:00Z', exitCode: null, timedOut: false, status: 'failed', filesPublished: 0, bytesPublished: 0, guardFindings: [], log: 'os-spark/logs/2026-12-07T12-00-00Z.log.gz', output: 'os-spark/runs/2026-12-07T12-00-00Z/data/', message: 'stopped' };
    await client(new S3Client(moto.clientConfig())).send(new PutObjectCommand({ Bucket: 'wb-private', Key: 'os-spark/runs/2026-12-07T12-00-00Z.json', Body: JSON.stringify(record) }));
    expect((await service.history('os-spark')).filter((r) => r.runId).map((r) => [r.runId, r.message])).toEqual([['2026-12-07T12-00-00Z', 'stopped']]);
  }, 60_000);

  it('deleting the schedule removes it; asked to, also the job role, its code and the application it was the last Spark schedule of', async () => {
    const { tarball } = await sparkPackage();
    await service.create(sparkSchedule(tarball));
    await service.create(sparkSchedule(tarball, { name: 'os-spark-2' }));
    const code = async (job: string) => ((await client(new S3Client(moto.clientConfig())).send(new ListObjectsV2Command({ Bucket: 'wb-code', Prefix: `${job}/code/` }))).Contents ?? []).length;
    const liveApps = async () => ((await emr().send(new ListApplicationsCommand({ states: ['CREATED', 'STARTED', 'STOPPED'] }))).applications ?? []).length;

    await service.delete('os-spark-2', { removeAwsResources: true });
    await expect(client(new SchedulerClient(moto.clientConfig())).send(new GetScheduleCommand({ Name: 'os-spark-2', GroupName: 'analysis-workbench' }))).rejects.toThrow(/not found|does not exist/i);
    await expect(iam().send(new GetRoleCommand({ RoleName: 'wb-os-spark-2' }))).rejects.toThrow();
    expect(await code('os-spark-2')).toBe(0);
    // Another Spark schedule still uses the application.
    expect(await liveApps()).toBe(1);

    await service.delete('os-spark', { removeAwsResources: true });
    expect(await liveApps()).toBe(0);
    expect(await code('os-spark')).toBe(0);
  }, 60_000);

  it('refuses sizes EMR Serverless does not offer and a timeout under its minimum, saying what to fix, and makes nothing', async () => {
    const { tarball } = await sparkPackage();
    await expect(service.create(sparkSchedule(tarball, { spark: { driverCores: 3 } }))).rejects.toThrow(/driverCores.*driver cores of 1, 2, 4, 8 or 16/s);
    await expect(service.create(sparkSchedule(tarball, { spark: { executorCores: 4, executorMemoryGiB: 40 } }))).rejects.toThrow(/executorMemoryGiB.*executor memory of 8 to 30 GiB for 4 cores/s);
    await expect(service.create(sparkSchedule(tarball, { spark: { maxExecutors: 0 } }))).rejects.toThrow(/maxExecutors.*at least 1 executor/s);
    await expect(service.create(sparkSchedule(tarball, { timeoutMinutes: 3 }))).rejects.toThrow(/^timeoutMinutes: a Spark run on EMR Serverless needs a timeout of at least 5 minutes/);
    expect(await service.list()).toEqual([]);
    expect((await emr().send(new ListApplicationsCommand({}))).applications ?? []).toEqual([]);
  }, 60_000);
});
