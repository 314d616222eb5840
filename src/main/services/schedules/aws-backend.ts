import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DescribeInstancesCommand, RunInstancesCommand, type EC2Client, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { StartJobRunCommand, type EMRServerlessClient, type StartJobRunCommandInput } from '@aws-sdk/client-emr-serverless';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  GetScheduleGroupCommand,
  UpdateScheduleCommand,
  type CreateScheduleCommandInput,
  type GetScheduleCommandOutput,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { WorkbenchError } from '../../../shared/errors.ts';
import { cronExpressions, heartbeatExpressions, newestRunFirst, RunRecord, schedulerWindow, type Schedule } from '../../../shared/schedule.ts';
import { awsError } from '../credentials/aws-errors.ts';
import { sha256OfFile } from '../packager/inspect.ts';
import { packageEngine } from '../packager/spark-run.ts';
import { objectExists, putFile } from '../publish/s3-put.ts';
import { newestUbuntuLts } from '../workers/ec2/ami.ts';
import { APP_TAG_VALUE, TAG } from '../workers/ec2/tags.ts';
import type { AlarmState, AlertSubscription, HistoryRow } from '../../../shared/schedule-calls.ts';
import { alarmStates, ensureAlertTopic, ensureSubscription, findAlertTopic, putBaseline, putRunAlarm, deleteRunAlarm, setAlarmActions, subscriptionState } from './aws-alerts.ts';
import { deletePrefix, removeInstanceRole } from './aws-cleanup.ts';
import { launchedRuns } from './aws-pending.ts';
import { checkScheduleBuckets, type BucketCheck } from './bucket-exposure.ts';
import {
  AFTER_END_HEARTBEAT_GROUP,
  BEFORE_START_HEARTBEAT_GROUP,
  clientToken,
  codeKey,
  codePrefix,
  DAY_HEARTBEAT_GROUPS,
  HEARTBEAT_GROUPS,
  kitKey,
  manualRunId,
  METRIC_DIMENSION,
  METRIC_NAME,
  METRIC_NAMESPACE,
  PUT_METRIC_TARGET,
  RUN_INSTANCES_TARGET,
  runsPrefix,
  SCHEDULE_GROUPS,
  SCHEDULED_TIME,
  TAGS,
} from './aws-names.ts';
import type { ScheduleBackend } from './backend.ts';
import { gunzipTail } from './gunzip-tail.ts';
import { ensurePermissions, planPermissions, type PermissionsPlan } from './iam-setup.ts';
import {
  ensureSparkApplication,
  ensureSparkPermissions,
  planSparkPermissions,
  removeSparkApplication,
  scheduledSparkToken,
  sparkDriverKey,
  sparkRunRows,
  sparkSchedulesLeft,
  sparkSpecKey,
  sparkTimeout,
  START_JOB_RUN_TARGET,
  startJobRunInput,
} from './aws-spark-serverless.ts';
import type { Engine } from '../../../shared/packager-model.ts';
import { whileIamPropagates } from './iam-propagation.ts';
import { renderScheduledUserData, type ScheduledRunSpec } from './scheduled-user-data.ts';
import { writeWorkerKit } from './worker-kit.ts';

export interface ScheduleAwsClients {
  region: string;
  s3: S3Client;
  scheduler: SchedulerClient;
  iam: IAMClient;
  ec2: EC2Client;
  sns: SNSClient;
  cloudwatch: CloudWatchClient;
  emrServerless: EMRServerlessClient;
}

/** What deleting an AWS schedule also removes, when asked. */
export interface RemoveOptions {
  /** The job's instance role and profile, and its code (tarballs, kits) in the code bucket. */
  removeAwsResources?: boolean;
}

/** The S3 buckets of Settings: output by visibility, and the private code bucket. */
export interface ScheduleBuckets {
  public?: string | undefined;
  private?: string | undefined;
  code?: string | undefined;
}

export interface AwsBackendOptions {
  /** Fresh clients for the active profile and region (credentials are read again each time). */
  clients: () => Promise<ScheduleAwsClients>;
  buckets: () => Promise<ScheduleBuckets>;
  /** resources/worker */
  workerDir: string;
  /** The stored schedule of a job, for history and run-now lookups by name. */
  lookup?: (name: string) => Promise<Schedule | undefined>;
  /** The alert e-mail of Settings, subscribed to the alert topic at each deploy. */
  alertEmail?: () => Promise<string | undefined>;
  /** An AMI to use; else the newest Ubuntu LTS from Canonical in the region. */
  imageId?: string;
  now?: () => Date;
}

/** How many run records history reads at most (the newest by key). */
const MAX_HISTORY = 500;

/**
 * Scheduled jobs in AWS: the code goes to the private code bucket, EventBridge Scheduler calls
 * ec2:RunInstances at each due time (universal target, ClientToken from the scheduled time), and
 * the instance runs resources/worker/run-job.sh, publishes its output, log and run record to S3
 * and terminates itself. Nothing depends on the app being open.
 */
export class AwsScheduleBackend implements ScheduleBackend {
  readonly kind = 'aws' as const;
  private readonly now: () => Date;
  /** Where each run seen in history (`JOB/RUNID`) keeps its log (with its record) and its output: a record names keys, not buckets. */
  private readonly bucketOfRun = new Map<string, { log: string; output: string }>();

  constructor(private readonly options: AwsBackendOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** The roles and policies a schedule will be given, for the UI to show before deploying. */
  async permissions(schedule: Schedule, engine: Engine = 'local'): Promise<PermissionsPlan> {
    const buckets = await this.bucketsFor(schedule);
    return planFor(schedule, buckets, engine);
  }

  /** Whether the job's buckets are as public as its visibility needs (see bucket-exposure.ts), for the form. */
  async bucketCheck(schedule: Schedule): Promise<BucketCheck> {
    const buckets = await this.bucketsFor(schedule);
    return this.withClients('check the buckets', (aws) => checkScheduleBuckets(aws.s3, aws.region, schedule.name, schedule.visibility, buckets));
  }

  async deploy(schedule: Schedule, tarballPath: string): Promise<void> {
    const buckets = await this.bucketsFor(schedule);
    // A package that runs its job on Spark runs on EMR Serverless; any other on a fresh EC2 instance.
    const engine = await packageEngine(tarballPath).catch((): Engine => 'local');
    if (engine === 'spark') sparkTimeout(schedule);
    await this.withClients('create the schedule', async (aws) => {
      // Nothing is made for a job whose private output, log or records anyone could read.
      const exposure = await checkScheduleBuckets(aws.s3, aws.region, schedule.name, schedule.visibility, buckets);
      if (exposure.problem) throw new WorkbenchError('FORBIDDEN', exposure.problem);
      const code = `s3://${buckets.code}/${await this.uploadCode(aws.s3, buckets.code, schedule.name, tarballPath)}`;
      const kit = `s3://${buckets.code}/${await this.uploadKit(aws.s3, buckets.code, schedule.name)}`;
      const alertTopic = await ensureAlertTopic(aws.sns);
      await ensureSubscription(aws.sns, alertTopic, await this.options.alertEmail?.());
      const spec: ScheduledRunSpec = {
        job: schedule.name,
        alertTopic,
        metricNamespace: METRIC_NAMESPACE,
        region: aws.region,
        kit,
        code,
        command: schedule.command,
        outputDir: schedule.outputDir,
        timeoutMinutes: schedule.timeoutMinutes,
        publish: `s3://${buckets.data}/${schedule.name}`,
        ...(buckets.records !== buckets.data && { records: `s3://${buckets.records}/${schedule.name}` }),
        visibility: schedule.visibility,
        ...(schedule.dataSource && { dataDir: schedule.dataSource }),
      };
      let target: { Arn: string; RoleArn: string; Input: string };
      if (engine === 'spark') {
        const made = await ensureSparkPermissions(aws.iam, planFor(schedule, buckets, 'spark'));
        target = { Arn: START_JOB_RUN_TARGET, RoleArn: made.schedulerRoleArn, Input: JSON.stringify(await this.sparkInput(aws, buckets.code, schedule, spec, made.jobRoleArn)) };
      } else {
        const made = await ensurePermissions(aws.iam, planFor(schedule, buckets, 'local'));
        target = { Arn: RUN_INSTANCES_TARGET, RoleArn: made.schedulerRoleArn, Input: JSON.stringify(await this.runInstancesInput(aws, spec, made.instanceProfileArn, schedule)) };
      }
      const expressions = cronExpressions(schedule);
      const window = this.window(schedule);
      for (const [i, group] of SCHEDULE_GROUPS.entries()) {
        const expression = expressions[i];
        if (!expression) {
          await deleteSchedule(aws.scheduler, group, schedule.name);
          continue;
        }
        await ensureGroup(aws.scheduler, group);
        await whileIamPropagates(() => putSchedule(aws.scheduler, {
          Name: schedule.name,
          GroupName: group,
          Description: `Analysis Workbench job ${schedule.name}`,
          ScheduleExpression: expression,
          ScheduleExpressionTimezone: 'UTC',
          ...(window.start ? { StartDate: window.start } : {}),
          ...(window.end ? { EndDate: window.end } : {}),
          State: schedule.enabled ? 'ENABLED' : 'DISABLED',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            ...target,
            // A failed call is retried for an hour at most; the client token makes each retry safe.
            RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 },
          },
        }));
      }
      await this.putHeartbeats(aws.scheduler, schedule, target.RoleArn, window);
      // A value now, so the new alarm sees one before the first run or heartbeat.
      await putBaseline(aws.cloudwatch, schedule.name);
      await putRunAlarm(aws.cloudwatch, schedule, alertTopic);
    });
  }

  /**
   * On each day the job does not run (a weekly or monthly job's other days, every day before its
   * start date and after its end date), Scheduler itself puts RunSucceeded = 1, so the job's
   * alarm needs a window of only a day plus the run's time (aws-alerts.ts).
   */
  private async putHeartbeats(scheduler: SchedulerClient, schedule: Schedule, roleArn: string, window: { start?: Date; end?: Date }): Promise<void> {
    const input = { Namespace: METRIC_NAMESPACE, MetricData: [{ MetricName: METRIC_NAME, Dimensions: [{ Name: METRIC_DIMENSION, Value: schedule.name }], Value: 1, Unit: 'Count' }] };
    const wanted = new Map<string, { expression: string; start?: Date; end?: Date }>();
    for (const [i, expression] of heartbeatExpressions(schedule).entries()) wanted.set(DAY_HEARTBEAT_GROUPS[i]!, { expression, ...window });
    const everyDay = cronExpressions({ frequency: { kind: 'daily' }, timeOfDay: schedule.timeOfDay })[0]!;
    if (window.start) wanted.set(BEFORE_START_HEARTBEAT_GROUP, { expression: everyDay, end: window.start });
    if (window.end) wanted.set(AFTER_END_HEARTBEAT_GROUP, { expression: everyDay, start: window.end });
    for (const group of HEARTBEAT_GROUPS) {
      const beat = wanted.get(group);
      if (!beat) {
        await deleteSchedule(scheduler, group, schedule.name);
        continue;
      }
      await ensureGroup(scheduler, group);
      await whileIamPropagates(() => putSchedule(scheduler, {
        Name: schedule.name,
        GroupName: group,
        Description: `Analysis Workbench job ${schedule.name}: a day without a run, for its alarm`,
        ScheduleExpression: beat.expression,
        ScheduleExpressionTimezone: 'UTC',
        ...(beat.start ? { StartDate: beat.start } : {}),
        ...(beat.end ? { EndDate: beat.end } : {}),
        State: schedule.enabled ? 'ENABLED' : 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: PUT_METRIC_TARGET, RoleArn: roleArn, Input: JSON.stringify(input), RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 10 } },
      }));
    }
  }

  /** Each AWS schedule's alarm state, by job. */
  async alarmStates(): Promise<Record<string, AlarmState>> {
    return this.withClients('read the alarms', (aws) => alarmStates(aws.cloudwatch));
  }

  /** The alert e-mail's subscription to the app's topic; with `subscribe`, made first (and `previous`, the address it replaces, unsubscribed). */
  async alertSubscription(email: string | undefined, subscribe: boolean, previous?: string): Promise<AlertSubscription> {
    return this.withClients(subscribe ? 'subscribe the alert e-mail' : 'read the alert subscription', async (aws) => {
      // Only saving an address makes the topic; reading its state does not.
      const topicArn = subscribe ? await ensureAlertTopic(aws.sns) : await findAlertTopic(aws.sns);
      if (!topicArn) return { email: email ?? null, state: 'none', topicArn: null };
      const state = subscribe ? await ensureSubscription(aws.sns, topicArn, email, previous) : await subscriptionState(aws.sns, topicArn, email);
      return { email: email ?? null, state, topicArn };
    });
  }

  /**
   * Removes the schedule, its heartbeats and its alarm; asked to, also the job's instance role
   * and profile and its code in the code bucket. Published output, logs and records stay.
   */
  async remove(name: string, options: RemoveOptions = {}): Promise<void> {
    const codeBucket = options.removeAwsResources ? (await this.options.buckets()).code : undefined;
    await this.withClients('delete the schedule', async (aws) => {
      // The app's one EMR Serverless application goes with the last Spark schedule: first, so that
      // an application still stopping when asked again is found by the schedule that is still there.
      const spark = (await this.schedulesOf(aws.scheduler, name)).some((s) => s.Target?.Arn === START_JOB_RUN_TARGET);
      if (options.removeAwsResources && spark && !(await sparkSchedulesLeft(aws.scheduler, name))) await removeSparkApplication(aws.emrServerless);
      for (const group of [...SCHEDULE_GROUPS, ...HEARTBEAT_GROUPS]) await deleteSchedule(aws.scheduler, group, name);
      await deleteRunAlarm(aws.cloudwatch, name);
      if (!options.removeAwsResources) return;
      await removeInstanceRole(aws.iam, name);
      if (codeBucket) await deletePrefix(aws.s3, codeBucket, codePrefix(name));
    });
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.withClients(enabled ? 'enable the schedule' : 'disable the schedule', async (aws) => {
      const found = await this.schedulesOf(aws.scheduler, name);
      if (found.length === 0) throw notDeployed(name);
      for (const current of found) await aws.scheduler.send(new UpdateScheduleCommand({ ...updatable(current), State: enabled ? 'ENABLED' : 'DISABLED' }));
      for (const beat of await this.schedulesOf(aws.scheduler, name, HEARTBEAT_GROUPS)) await aws.scheduler.send(new UpdateScheduleCommand({ ...updatable(beat), State: enabled ? 'ENABLED' : 'DISABLED' }));
      await setAlarmActions(aws.cloudwatch, name, enabled);
    });
  }

  async runNow(schedule: Schedule): Promise<string> {
    const runId = manualRunId(this.now(), randomBytes(3).toString('hex'));
    await this.launchRun(schedule.name, runId);
    return runId;
  }

  /**
   * Launches one run of the deployed schedule by hand: the same RunInstances input the
   * schedule uses, with the run id as its tag and token. A retry with the same run id finds the
   * instance it launched (by tag, as EC2 may not have seen the first token) and returns it.
   */
  async launchRun(name: string, runId: string): Promise<string> {
    return this.withClients('start the run', async (aws) => {
      const [current] = await this.schedulesOf(aws.scheduler, name);
      if (!current?.Target?.Input) throw notDeployed(name);
      if (current.Target.Arn === START_JOB_RUN_TARGET) return this.startSparkRun(aws, name, runId, JSON.parse(current.Target.Input) as StartJobRunCommandInput);
      const scheduled = JSON.parse(current.Target.Input) as RunInstancesCommandInput;
      const existing = await aws.ec2.send(
        new DescribeInstancesCommand({ Filters: [{ Name: `tag:${TAGS.job}`, Values: [name] }, { Name: `tag:${TAGS.runId}`, Values: [runId] }] }),
      );
      const already = existing.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.State?.Name !== 'terminated');
      if (already?.InstanceId) return already.InstanceId;
      const answer = await whileIamPropagates(() =>
        aws.ec2.send(
          new RunInstancesCommand({
            ...scheduled,
            ClientToken: clientToken(name, runId),
            TagSpecifications: [{ ResourceType: 'instance', Tags: runTags(name, { runId }) }],
          }),
        ),
      );
      const id = answer.Instances?.[0]?.InstanceId;
      if (!id) throw new WorkbenchError('INTERNAL', 'RunInstances answered without an instance.');
      return id;
    });
  }

  async history(name: string): Promise<RunRecord[]> {
    const schedule = await this.options.lookup?.(name);
    const buckets = await this.options.buckets();
    // A public job's records are in the private bucket; those of its runs before that, beside the output.
    const candidates = schedule ? [this.recordsBucket(schedule, buckets), this.dataBucket(schedule, buckets)] : [buckets.private, buckets.public];
    const output = schedule && this.dataBucket(schedule, buckets);
    const records: RunRecord[] = [];
    await this.withClients('read the run history', async (aws) => {
      for (const bucket of new Set(candidates.filter((b): b is string => !!b))) {
        const found = await readRunRecords(aws.s3, bucket, name);
        for (const record of found) this.bucketOfRun.set(`${record.job}/${record.runId}`, { log: bucket, output: output ?? bucket });
        records.push(...found);
      }
    });
    return records.sort(newestRunFirst);
  }

  /**
   * Runs launched and not recorded yet, shown as soon as they start: from the job's instances,
   * or for a Spark job from its job runs on EMR Serverless (with those it ended without a record).
   */
  async pendingRows(name: string, recorded: ReadonlySet<string>): Promise<HistoryRow[]> {
    return this.withClients('list the running runs', async (aws) => {
      const [current] = await this.schedulesOf(aws.scheduler, name);
      if (current?.Target?.Arn === START_JOB_RUN_TARGET) return sparkRunRows(aws.emrServerless, name, recorded, this.now());
      return launchedRuns(aws.ec2, name, recorded);
    });
  }

  /** A run's log and output as s3:// URLs, so the history says which bucket they are in. */
  locate(record: RunRecord): { log: string; output: string } {
    const where = this.bucketOfRun.get(`${record.job}/${record.runId}`);
    return where ? { log: `s3://${where.log}/${record.log}`, output: `s3://${where.output}/${record.output}` } : { log: record.log, output: record.output };
  }

  /** The tail of a run's log (JOB/logs/RUNID.log.gz, stored gzip-encoded). */
  async readLog(name: string, runId: string, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
    const where = this.bucketOfRun.get(`${name}/${runId}`);
    const schedule = where ? undefined : await this.options.lookup?.(name);
    const bucket = where?.log ?? (schedule ? this.recordsBucket(schedule, await this.options.buckets()) : (await this.options.buckets()).private);
    if (!bucket) throw new WorkbenchError('NOT_FOUND', `No bucket is known for ${name}; set the buckets in Settings.`);
    return this.withClients('read the run log', async (aws) => {
      const answer = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${name}/logs/${runId}.log.gz` }));
      const raw = Buffer.from(await answer.Body!.transformToByteArray());
      // The SDK does not undo Content-Encoding: the bytes are the gzip file as stored.
      if (raw[0] === 0x1f && raw[1] === 0x8b) {
        const { tail, truncated } = await gunzipTail(Readable.from([raw]), maxBytes);
        return { text: tail.toString('utf8'), truncated };
      }
      return raw.length > maxBytes ? { text: raw.subarray(raw.length - maxBytes).toString('utf8'), truncated: true } : { text: raw.toString('utf8'), truncated: false };
    });
  }

  private async runInstancesInput(aws: ScheduleAwsClients, spec: ScheduledRunSpec, instanceProfileArn: string, schedule: Schedule): Promise<RunInstancesCommandInput> {
    const image = this.options.imageId ? undefined : await newestUbuntuLts(aws.ec2);
    const userData = await renderScheduledUserData(this.options.workerDir, spec);
    return {
      ImageId: this.options.imageId ?? image?.ImageId,
      InstanceType: schedule.instanceType as never,
      // The root disk at the schedule's size, gone with the instance (Ubuntu's root is /dev/sda1).
      BlockDeviceMappings: [{ DeviceName: image?.RootDeviceName ?? '/dev/sda1', Ebs: { VolumeSize: schedule.diskGiB, VolumeType: 'gp3', DeleteOnTermination: true } }],
      MinCount: 1,
      MaxCount: 1,
      // Scheduler puts the due time in: every retry of one trigger presents the same token.
      ClientToken: clientToken(spec.job, SCHEDULED_TIME),
      InstanceInitiatedShutdownBehavior: 'terminate',
      IamInstanceProfile: { Arn: instanceProfileArn },
      UserData: Buffer.from(userData).toString('base64'),
      // Tags readable from inside (scheduled_run.py learns its run from them); IMDSv2 only.
      MetadataOptions: { HttpTokens: 'required', InstanceMetadataTags: 'enabled' },
      TagSpecifications: [{ ResourceType: 'instance', Tags: runTags(spec.job, { scheduledFor: SCHEDULED_TIME }) }],
    };
  }

  /**
   * Scheduler's StartJobRun input for a Spark job: the app's application, the job's execution
   * role, the driver and the run's spec uploaded beside the package, the run identified by the
   * scheduled time, which the driver claims, so a trigger delivered twice runs once.
   */
  private async sparkInput(aws: ScheduleAwsClients, codeBucket: string, schedule: Schedule, spec: ScheduledRunSpec, jobRoleArn: string): Promise<StartJobRunCommandInput> {
    const applicationId = await ensureSparkApplication(aws.emrServerless);
    const driverText = await readFile(join(this.options.workerDir, 'spark_driver.py'));
    const driverKey = sparkDriverKey(schedule.name, createHash('sha256').update(driverText).digest('hex'));
    if (!(await objectExists(aws.s3, codeBucket, driverKey))) await aws.s3.send(new PutObjectCommand({ Bucket: codeBucket, Key: driverKey, Body: driverText, ContentType: 'text/x-python' }));
    const specText = JSON.stringify(spec);
    const specKey = sparkSpecKey(schedule.name, createHash('sha256').update(specText).digest('hex'));
    await aws.s3.send(new PutObjectCommand({ Bucket: codeBucket, Key: specKey, Body: specText, ContentType: 'application/json' }));
    return startJobRunInput({
      applicationId,
      executionRoleArn: jobRoleArn,
      clientToken: scheduledSparkToken(schedule.name),
      job: schedule.name,
      driver: `s3://${codeBucket}/${driverKey}`,
      spec: `s3://${codeBucket}/${specKey}`,
      identity: ['--scheduled-for', SCHEDULED_TIME],
      timeoutMinutes: sparkTimeout(schedule),
      size: schedule.spark,
    });
  }

  /** A Spark run by hand: the schedule's StartJobRun input, the run id as its identity and token (a retry starts nothing new). */
  private async startSparkRun(aws: ScheduleAwsClients, name: string, runId: string, scheduled: StartJobRunCommandInput): Promise<string> {
    const submit = scheduled.jobDriver?.sparkSubmit;
    const args = submit?.entryPointArguments ?? [];
    const spec = args[args.indexOf('--spec') + 1];
    if (!submit || !spec) throw notDeployed(name);
    const input: StartJobRunCommandInput = {
      ...scheduled,
      clientToken: clientToken(name, runId),
      jobDriver: { sparkSubmit: { ...submit, entryPointArguments: ['--spec', spec, '--run-id', runId] } },
    };
    const answer = await whileIamPropagates(() => aws.emrServerless.send(new StartJobRunCommand(input)));
    if (!answer.jobRunId) throw new WorkbenchError('INTERNAL', 'StartJobRun answered without a job run id.');
    return answer.jobRunId;
  }

  private async uploadCode(s3: S3Client, bucket: string, job: string, tarballPath: string): Promise<string> {
    let sha: string;
    try {
      sha = await sha256OfFile(tarballPath);
    } catch (err) {
      throw new WorkbenchError('BAD_INPUT', `tarball: cannot read ${tarballPath} (${(err as Error).message}); pick the package again.`);
    }
    const key = codeKey(job, sha);
    if (!(await objectExists(s3, bucket, key))) await putFile(s3, bucket, key, tarballPath, { ContentType: 'application/gzip' });
    return key;
  }

  private async uploadKit(s3: S3Client, bucket: string, job: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'workbench-kit-'));
    try {
      const file = join(dir, 'kit.tar.gz');
      const { sha256 } = await writeWorkerKit(this.options.workerDir, file);
      const key = kitKey(job, sha256);
      if (!(await objectExists(s3, bucket, key))) await putFile(s3, bucket, key, file, { ContentType: 'application/gzip' });
      return key;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The code bucket, the output's, and the log's and records' (the private bucket for a public job). */
  private async bucketsFor(schedule: Schedule): Promise<{ code: string; data: string; records: string }> {
    const buckets = await this.options.buckets();
    if (!buckets.code) throw new WorkbenchError('BAD_INPUT', 'Set the code bucket (a private S3 bucket for job tarballs) in Settings before scheduling a job in AWS.');
    const data = this.dataBucket(schedule, buckets);
    if (!data) throw new WorkbenchError('BAD_INPUT', `Set the ${schedule.visibility} bucket in Settings (or a bucket on the schedule): a ${schedule.visibility} job publishes there.`);
    const records = this.recordsBucket(schedule, buckets);
    if (!records) throw new WorkbenchError('BAD_INPUT', 'Set the private bucket in Settings: a public job\'s log and run records are kept there, never in the public bucket.');
    return { code: buckets.code, data, records };
  }

  /** Where a job's logs and run records are: beside its output, but a public job's in the private bucket. */
  private recordsBucket(schedule: Schedule, buckets: ScheduleBuckets): string | undefined {
    return schedule.visibility === 'public' ? buckets.private : this.dataBucket(schedule, buckets);
  }

  /**
   * StartDate/EndDate as Scheduler takes them: it refuses a start in the past (an old start
   * date means "already started", so it is left out), and an end that has passed means the
   * schedule would never run again, which the user should hear about now.
   */
  private window(schedule: Schedule): { start?: Date; end?: Date } {
    const { start, end } = schedulerWindow(schedule);
    const now = this.now().getTime();
    if (end && end.getTime() <= now) throw new WorkbenchError('BAD_INPUT', `endDate: ${schedule.endDate} has passed; pick a later end date or none.`);
    return { ...(start && start.getTime() > now ? { start } : {}), ...(end ? { end } : {}) };
  }

  private dataBucket(schedule: Schedule, buckets: ScheduleBuckets): string | undefined {
    return schedule.bucket ?? (schedule.visibility === 'public' ? buckets.public : buckets.private);
  }

  private async schedulesOf(scheduler: SchedulerClient, name: string, groups: readonly string[] = SCHEDULE_GROUPS): Promise<GetScheduleCommandOutput[]> {
    const found: GetScheduleCommandOutput[] = [];
    for (const group of groups) {
      try {
        found.push(await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
      } catch (err) {
        if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
      }
    }
    return found;
  }

  private async withClients<T>(what: string, work: (aws: ScheduleAwsClients) => Promise<T>): Promise<T> {
    const aws = await this.options.clients();
    try {
      return await work(aws);
    } catch (err) {
      throw awsError(err, what);
    } finally {
      for (const client of [aws.s3, aws.scheduler, aws.iam, aws.ec2, aws.sns, aws.cloudwatch, aws.emrServerless]) client.destroy();
    }
  }
}

/** What a job gets in IAM: an EC2 run's instance role and profile, or a Spark run's job execution role. */
function planFor(schedule: Schedule, buckets: { code: string; data: string; records: string }, engine: Engine): PermissionsPlan {
  const plan = planPermissions(schedule.name, buckets, schedule.dataSource);
  return engine === 'spark' ? planSparkPermissions(plan) : plan;
}

function notDeployed(name: string): WorkbenchError {
  return new WorkbenchError('NOT_FOUND', `The job ${name} has no schedule in EventBridge Scheduler; save the schedule again to create it.`);
}

function runTags(job: string, which: { runId: string } | { scheduledFor: string }): { Key: string; Value: string }[] {
  return [
    { Key: TAG.app, Value: APP_TAG_VALUE },
    { Key: 'Name', Value: `scheduled ${job}` },
    { Key: TAGS.job, Value: job },
    'runId' in which ? { Key: TAGS.runId, Value: which.runId } : { Key: TAGS.scheduledFor, Value: which.scheduledFor },
  ];
}

/** The schedule group, made when missing: looked up first, so a group that holds other jobs' schedules is never made again. */
export async function ensureGroup(scheduler: SchedulerClient, group: string): Promise<void> {
  try {
    await scheduler.send(new GetScheduleGroupCommand({ Name: group }));
    return;
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
  try {
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ConflictException') throw err;
  }
}

/** CreateSchedule, or UpdateSchedule when the job already has one (a saved edit). */
export async function putSchedule(scheduler: SchedulerClient, input: CreateScheduleCommandInput): Promise<void> {
  try {
    await scheduler.send(new CreateScheduleCommand(input));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ConflictException') throw err;
    await scheduler.send(new UpdateScheduleCommand(input));
  }
}

export async function deleteSchedule(scheduler: SchedulerClient, group: string, name: string): Promise<void> {
  try {
    await scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: group }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
}

/** UpdateSchedule replaces the whole definition: everything GetSchedule said, as it was. */
function updatable(current: GetScheduleCommandOutput): CreateScheduleCommandInput {
  return {
    Name: current.Name!,
    GroupName: current.GroupName,
    Description: current.Description,
    ScheduleExpression: current.ScheduleExpression!,
    ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
    StartDate: current.StartDate,
    EndDate: current.EndDate,
    State: current.State,
    FlexibleTimeWindow: current.FlexibleTimeWindow!,
    Target: current.Target!,
  };
}

async function readRunRecords(s3: S3Client, bucket: string, job: string): Promise<RunRecord[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    // The records only (JOB/runs/RUNID.json), not the runs' output folders beside them.
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: runsPrefix(job), Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const records: RunRecord[] = [];
  for (const key of keys.sort().slice(-MAX_HISTORY)) {
    const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const parsed = RunRecord.safeParse(parseJson(await answer.Body!.transformToString()));
    // A record that is not one (a stray file, a newer format) is left out, not fatal.
    if (parsed.success && parsed.data.job === job) records.push(parsed.data);
  }
  return records;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
