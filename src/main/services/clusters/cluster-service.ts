import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteKeyPairCommand, EC2Client, ImportKeyPairCommand } from '@aws-sdk/client-ec2';
import { AddTagsCommand, DescribeClusterCommand, EMRClient, RunJobFlowCommand, TerminateJobFlowsCommand, type Cluster as EmrCluster } from '@aws-sdk/client-emr';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { clusterCost, ClusterId, ClusterLaunchRequest, ClusterState, type Cluster, type ClusterCost, type ClusterList } from '../../../shared/cluster-model.ts';
import { MAX_LIFETIME_HOURS } from '../../../shared/ec2-model.ts';
import { WorkbenchError } from '../../../shared/errors.ts';
import { describeZodError } from '../../zod-message.ts';
import { awsClientConfig } from '../credentials/aws-clients.ts';
import { awsError } from '../credentials/aws-errors.ts';
import type { CredentialsService } from '../credentials/credentials-service.ts';
import type { SecretStore } from '../credentials/secret-store.ts';
import { deleteSchedule } from '../schedules/aws-backend.ts';
import { whileIamPropagates } from '../schedules/iam-propagation.ts';
import type { DocumentStore } from '../store/document-store.ts';
import { ExpiryWatch, type ExpiryWarning, type WatchedWorker } from '../workers/expiry-watch.ts';
import { generateEd25519, type SshKeyPair } from '../workers/ec2/keys.ts';
import { deleteWhenUnused, ensureSshSecurityGroup, RELEASE_TIMING, type ReleaseTiming } from '../workers/ec2/security-group.ts';
import { APP_TAG_VALUE } from '../workers/ec2/tags.ts';
import {
  adoptedId,
  type AppCluster,
  atExpression,
  getDeadlineSchedule,
  CLUSTER_TAG,
  DEADLINE_GROUP,
  deadlineScheduleName,
  describeAppClusters,
  EMR_INSTANCE_PROFILE,
  EMR_SERVICE_ROLE,
  ensureDeadlineRole,
  IDLE_TIMEOUT_SECONDS,
  LIVE_STATES,
  putDeadlineSchedule,
  tagOf,
} from './cluster-aws.ts';
import { clusterKeySecret, CLUSTERS_DOCUMENT, type ClusterRecord } from './cluster-store.ts';

/** The AWS clients of one region and profile; tests point them at moto through AWS_ENDPOINT_URL. */
export interface ClusterClients {
  emr: EMRClient;
  ec2: EC2Client;
  scheduler: SchedulerClient;
  iam: IAMClient;
  destroy(): void;
}

export interface ClustersOptions {
  store: DocumentStore;
  credentials: CredentialsService;
  /** Per-cluster SSH private keys: the same store as EC2 workers' keys. */
  secrets: SecretStore;
  /** The regions to reconcile (settings.regions), read at each reconcile. */
  regions: () => Promise<string[]>;
  /** This computer's public address as a /32 (the EC2 launcher's lookup). */
  myAddress: () => Promise<string>;
  onChange: (list: ClusterList) => void;
  /** The 60- and 15-minute warnings before AWS terminates a cluster at its deadline. */
  onWarning?: (warning: ExpiryWarning) => void;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  /** How long terminate() waits in the background to delete the security group. */
  groupRelease?: ReleaseTiming;
}

type ParsedLaunch = ReturnType<typeof ClusterLaunchRequest.parse>;

const HOUR_MS = 3_600_000;
/** Terminated clusters stay in the list this long after their end, then are forgotten. */
const FORGET_AFTER_MS = 24 * HOUR_MS;
/** How often an open app compares the clusters' deadlines with the clock, for the warnings. */
const WATCH_INTERVAL_MS = 30_000;

function newClusterId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `emr-${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

function stateOf(cluster: EmrCluster): ClusterState {
  const parsed = ClusterState.safeParse(cluster.Status?.State);
  return parsed.success ? parsed.data : 'unknown';
}

function isLive(state: ClusterState): boolean {
  return state === 'launching' || (LIVE_STATES as readonly string[]).includes(state);
}

function parseLaunch(raw: unknown): ParsedLaunch {
  const parsed = ClusterLaunchRequest.safeParse(raw);
  if (!parsed.success) throw new WorkbenchError('BAD_INPUT', `Cannot launch the cluster: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function hoursText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/**
 * Spark clusters on Amazon EMR: launch, list (reconciled with AWS, strangers adopted), extend,
 * terminate. The deadline is AWS's to enforce: a one-time EventBridge Scheduler schedule calls
 * EMR TerminateJobFlows for exactly that cluster, and EMR's idle auto-termination is a second net.
 */
export class Clusters {
  private readonly now: () => Date;
  private readonly releases = new Set<Promise<void>>();
  private launching: Promise<unknown> = Promise.resolve();
  private readonly watch: ExpiryWatch;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly options: ClustersOptions) {
    this.now = options.now ?? (() => new Date());
    this.watch = new ExpiryWatch(options.onWarning ?? (() => undefined), (name) => `AWS terminates ${name}`);
  }

  private async clients(region: string, profile: string): Promise<ClusterClients> {
    const provider: AwsCredentialIdentityProvider = await this.options.credentials.provider(profile);
    const config = awsClientConfig(region, provider, this.options.env);
    const made = { emr: new EMRClient(config), ec2: new EC2Client(config), scheduler: new SchedulerClient(config), iam: new IAMClient(config) };
    return { ...made, destroy: () => Object.values(made).forEach((c) => c.destroy()) };
  }

  records(): Promise<ClusterRecord[]> {
    return this.options.store.read(CLUSTERS_DOCUMENT);
  }

  private async update(id: string, change: (record: ClusterRecord) => ClusterRecord): Promise<ClusterRecord> {
    let updated: ClusterRecord | undefined;
    await this.options.store.update(CLUSTERS_DOCUMENT, (all) => all.map((r) => (r.id === id ? (updated = change(r)) : r)));
    if (!updated) throw new WorkbenchError('NOT_FOUND', `There is no cluster ${id}.`);
    return updated;
  }

  /** What the cluster asked for would cost: per hour and for its hours. */
  estimate(raw: unknown): ClusterCost {
    const request = parseLaunch(raw);
    return clusterCost(request.instanceType, request.coreNodes + 1, request.hours);
  }

  /** One launch at a time: a retry of the same name waits for the first and finds its cluster. */
  launch(raw: unknown): Promise<Cluster> {
    const run = this.launching.catch(() => undefined).then(() => this.launchOne(raw));
    this.launching = run;
    return run;
  }

  private async launchOne(raw: unknown): Promise<Cluster> {
    const request = parseLaunch(raw);
    const profile = (await this.options.credentials.describe()).ref;
    const owner = (await this.options.credentials.identity(profile)).arn;
    const existing = (await this.records()).find((r) => r.name === request.name && isLive(r.state));
    if (existing) refuseDifferent(existing, request);
    const aws = await this.clients(request.region, profile);
    let record = existing;
    try {
      if (!record) {
        // Launched from another data dir (or a list that was lost): the live cluster of that
        // name in AWS is this launch's, and no second one is made.
        const same = (await describeAppClusters(aws.emr, owner, this.now())).find((c) => tagOf(c, CLUSTER_TAG.name) === request.name && isLive(stateOf(c)));
        if (same) {
          record = adopt(same, request.region, profile, this.now());
          refuseDifferent(record, request);
          await this.options.store.update(CLUSTERS_DOCUMENT, (all) => [...all.filter((r) => r.id !== record?.id), record as ClusterRecord]);
        }
      }
      record ??= await this.prepare(aws, request, profile);
      if (!record.clusterId) {
        // A retry of a launch that may have reached EMR: look for its id tag first.
        const found = (await describeAppClusters(aws.emr, owner, this.now())).find((c) => tagOf(c, CLUSTER_TAG.clusterId) === record?.id);
        const clusterId = found?.Id ?? (await this.runJobFlow(aws, request, record, owner));
        record = await this.update(record.id, (r) => ({ ...r, clusterId, state: found ? stateOf(found) : 'STARTING' }));
      }
      await this.scheduleDeadline(aws, record);
    } catch (err) {
      const failed = withRoleHint(awsError(err, `launch the cluster ${request.name}`, profile));
      if (record && !record.clusterId && refused(err)) await this.forget(record);
      else if (record) await this.update(record.id, (r) => ({ ...r, message: failed.message })).catch(() => undefined);
      throw failed;
    } finally {
      aws.destroy();
    }
    this.changed();
    return toView(await this.update(record.id, (r) => withoutMessage(r)), this.now());
  }

  /** The record, key pair and security group, saved before RunJobFlow so a crash loses nothing. */
  private async prepare(aws: ClusterClients, request: ParsedLaunch, profile: string): Promise<ClusterRecord> {
    const cidr = request.allowedCidr ?? (await this.options.myAddress());
    const id = newClusterId();
    const now = this.now();
    const key: SshKeyPair = generateEd25519(`workbench-${id}`);
    await this.options.secrets.set(clusterKeySecret(id), key.privateKey);
    const keyName = `analysis-workbench-${id}`;
    const record: ClusterRecord = {
      id,
      name: request.name,
      region: request.region,
      profile,
      release: request.release,
      instanceType: request.instanceType,
      coreNodes: request.coreNodes,
      hours: request.hours,
      launchedAt: now.toISOString(),
      // Whole seconds: Scheduler's at() has no finer unit.
      deadline: new Date(Math.floor((now.getTime() + request.hours * HOUR_MS) / 1000) * 1000).toISOString(),
      state: 'launching',
      keyName,
      hasKey: true,
      adopted: false,
    };
    await this.options.store.update(CLUSTERS_DOCUMENT, (all) => [...all, record]);
    try {
      await aws.ec2.send(new ImportKeyPairCommand({ KeyName: keyName, PublicKeyMaterial: Buffer.from(key.publicKey), TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: CLUSTER_TAG.app, Value: APP_TAG_VALUE }] }] }));
      const groupId = await ensureSshSecurityGroup(aws.ec2, cidr);
      return await this.update(id, (r) => ({ ...r, groupId }));
    } catch (err) {
      await this.forget(record);
      throw err;
    }
  }

  private async runJobFlow(aws: ClusterClients, request: ParsedLaunch, record: ClusterRecord, owner: string): Promise<string> {
    const tags = [
      { Key: CLUSTER_TAG.app, Value: APP_TAG_VALUE },
      { Key: CLUSTER_TAG.owner, Value: owner },
      { Key: CLUSTER_TAG.name, Value: record.name },
      { Key: CLUSTER_TAG.deadline, Value: record.deadline },
      { Key: CLUSTER_TAG.clusterId, Value: record.id },
      { Key: CLUSTER_TAG.launchedAt, Value: record.launchedAt },
    ];
    const groups = [{ Name: 'Master', InstanceRole: 'MASTER' as const, InstanceType: request.instanceType, InstanceCount: 1, Market: 'ON_DEMAND' as const }];
    if (request.coreNodes > 0) groups.push({ Name: 'Core', InstanceRole: 'CORE' as never, InstanceType: request.instanceType, InstanceCount: request.coreNodes, Market: 'ON_DEMAND' });
    const answer = await aws.emr.send(
      new RunJobFlowCommand({
        Name: record.name,
        ReleaseLabel: record.release,
        Applications: [{ Name: 'Spark' }],
        // EMR 7 nodes have Python 3.9 (the default) and 3.11: PySpark gets 3.11.
        Configurations: [{ Classification: 'spark-env', Configurations: [{ Classification: 'export', Properties: { PYSPARK_PYTHON: '/usr/bin/python3.11' } }] }],
        Instances: {
          InstanceGroups: groups,
          ...(record.keyName ? { Ec2KeyName: record.keyName } : {}),
          ...(record.groupId ? { AdditionalMasterSecurityGroups: [record.groupId] } : {}),
          KeepJobFlowAliveWhenNoSteps: true,
          TerminationProtected: false,
        },
        AutoTerminationPolicy: { IdleTimeout: IDLE_TIMEOUT_SECONDS },
        ServiceRole: EMR_SERVICE_ROLE,
        JobFlowRole: EMR_INSTANCE_PROFILE,
        VisibleToAllUsers: true,
        Tags: tags,
      }),
    );
    if (!answer.JobFlowId) throw new WorkbenchError('INTERNAL', 'RunJobFlow answered without a cluster id.');
    return answer.JobFlowId;
  }

  /**
   * The schedule that ends the cluster at its deadline. Without it the cluster would rely on the
   * app: when it cannot be made, the cluster is terminated at once and the reason given.
   */
  private async scheduleDeadline(aws: ClusterClients, record: ClusterRecord): Promise<void> {
    const clusterId = record.clusterId as string;
    try {
      // A retry of a launch whose schedule was made: nothing to do (and nothing to risk).
      const current = await getDeadlineSchedule(aws.scheduler, record.id);
      if (current?.expression === atExpression(new Date(record.deadline)) && current.input === JSON.stringify({ JobFlowIds: [clusterId] })) return;
      const roleArn = await ensureDeadlineRole(aws.iam);
      await whileIamPropagates(() => putDeadlineSchedule(aws.scheduler, { id: record.id, name: record.name, clusterId, deadline: new Date(record.deadline), roleArn }));
    } catch (err) {
      const failure = awsError(err, `create the schedule that ends ${record.name} at its deadline`, record.profile);
      await aws.emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] })).catch(() => undefined);
      await this.update(record.id, (r) => ({ ...r, state: 'TERMINATING' }));
      throw new WorkbenchError(failure.code, `${failure.message} The cluster ${clusterId} was terminated, since nothing in AWS would have ended it.`, { cause: err });
    }
  }

  /** Drops a launch that made no cluster: its record, its key (here and in EC2). */
  private async forget(record: ClusterRecord): Promise<void> {
    await this.options.store.update(CLUSTERS_DOCUMENT, (all) => all.filter((r) => r.id !== record.id));
    await this.options.secrets.delete(clusterKeySecret(record.id));
    if (record.keyName) {
      const aws = await this.clients(record.region, record.profile);
      await aws.ec2.send(new DeleteKeyPairCommand({ KeyName: record.keyName })).catch(() => undefined);
      aws.destroy();
    }
  }

  /** The clusters, reconciled with every region in use; AWS failures leave the local view. */
  async list(): Promise<ClusterList> {
    let message: string | undefined;
    try {
      await this.reconcile();
    } catch (err) {
      message = awsError(err, 'list the clusters').message;
    }
    await this.checkDeadlines();
    const clusters = (await this.records()).map((r) => toView(r, this.now()));
    return { clusters, ...(message ? { message } : {}) };
  }

  /** Warns of the clusters whose deadline is 60 or 15 minutes away (once per deadline and threshold). */
  async checkDeadlines(): Promise<void> {
    this.watch.check(await this.watched(), this.now());
  }

  private async watched(): Promise<WatchedWorker[]> {
    return (await this.records()).map((r) => ({ id: r.id, name: r.name, deadline: r.deadline, live: isLive(r.state) }));
  }

  /** Asks each region in use for the app's tagged clusters: known ones updated, strangers adopted. */
  async reconcile(): Promise<ClusterRecord[]> {
    const profile = (await this.options.credentials.describe()).ref;
    const owner = (await this.options.credentials.identity(profile)).arn;
    const known = await this.records();
    const regions = [...new Set([...(await this.options.regions()), ...known.filter((r) => r.profile === profile).map((r) => r.region)])];
    const seen = new Map<string, AppCluster[]>();
    for (const region of regions) {
      const aws = await this.clients(region, profile);
      try {
        seen.set(region, await describeAppClusters(aws.emr, owner, this.now()));
      } catch (err) {
        throw awsError(err, `list the clusters in ${region}`, profile);
      } finally {
        aws.destroy();
      }
    }
    const merged = await this.options.store.update(CLUSTERS_DOCUMENT, (current) => merge(current, seen, profile, this.now()));
    for (const record of known) {
      const still = merged.find((r) => r.id === record.id);
      if (record.hasKey && (!still || !isLive(still.state))) await this.dropKey(record, Boolean(still));
    }
    if (JSON.stringify(merged) !== JSON.stringify(known)) this.changed();
    return merged;
  }

  /** A cluster by the app's id, EMR's id or its name. */
  async get(ref: string): Promise<ClusterRecord> {
    const all = await this.records();
    const found = all.find((r) => r.id === ref) ?? all.find((r) => r.clusterId === ref) ?? all.find((r) => r.name === ref && isLive(r.state));
    if (!found) throw new WorkbenchError('NOT_FOUND', `There is no cluster ${ref}; 'workbench cluster list' shows the clusters and their ids.`);
    return found;
  }

  /**
   * Moves the deadline `hours` later: first the schedule in AWS (what ends the cluster), then
   * the deadline tag. Never past 24 hours after launch: a longer extension is refused, naming
   * the latest deadline possible.
   */
  async extend(ref: string, hours: number): Promise<Cluster> {
    const record = await this.get(ref);
    if (!record.clusterId || !isLive(record.state)) throw new WorkbenchError('BAD_INPUT', `${record.name} is ${record.state}; only a running cluster can be extended.`);
    const limit = Date.parse(record.launchedAt) + MAX_LIFETIME_HOURS * HOUR_MS;
    const current = Date.parse(record.deadline);
    const wanted = Math.floor((current + hours * HOUR_MS) / 1000) * 1000;
    if (wanted > limit) {
      const latest = new Date(limit).toISOString();
      throw new WorkbenchError(
        'BAD_INPUT',
        `${record.name} cannot live past ${latest} (${MAX_LIFETIME_HOURS} hours after its launch); ` +
          (limit > current ? `the most it can be extended by is ${hoursText(limit - current)} (--hours ${Math.floor(((limit - current) / HOUR_MS) * 100) / 100}).` : 'it cannot be extended further.'),
      );
    }
    const deadline = new Date(wanted);
    const aws = await this.clients(record.region, record.profile);
    try {
      const roleArn = await ensureDeadlineRole(aws.iam);
      await whileIamPropagates(() => putDeadlineSchedule(aws.scheduler, { id: record.id, name: record.name, clusterId: record.clusterId as string, deadline, roleArn }));
      await aws.emr.send(new AddTagsCommand({ ResourceId: record.clusterId, Tags: [{ Key: CLUSTER_TAG.deadline, Value: deadline.toISOString() }] }));
    } catch (err) {
      throw awsError(err, `move the deadline of ${record.name}`, record.profile);
    } finally {
      aws.destroy();
    }
    const updated = await this.update(record.id, (r) => ({ ...r, deadline: deadline.toISOString() }));
    this.changed();
    return toView(updated, this.now());
  }

  /** Terminates the cluster, deletes its deadline schedule and key, and (once unused) its security group. */
  async terminate(ref: string): Promise<Cluster> {
    const record = await this.get(ref);
    if (!record.clusterId) throw new WorkbenchError('BAD_INPUT', `${record.name} has no EMR cluster (its launch did not complete); nothing to terminate.`);
    const clusterId = record.clusterId;
    const aws = await this.clients(record.region, record.profile);
    let state: ClusterState;
    try {
      await aws.emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] }));
      const now = (await aws.emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster;
      state = now ? stateOf(now) : 'TERMINATING';
      await deleteSchedule(aws.scheduler, DEADLINE_GROUP, deadlineScheduleName(record.id));
    } catch (err) {
      throw awsError(err, `terminate ${record.name}`, record.profile);
    } finally {
      aws.destroy();
    }
    const updated = await this.update(record.id, (r) => ({ ...r, state, endedAt: this.now().toISOString() }));
    await this.dropKey(updated, true);
    this.changed();
    this.releaseGroup(updated);
    return toView(await this.get(record.id), this.now());
  }

  /** Deletes the cluster's key pair in EC2 and its private key here. */
  private async dropKey(record: ClusterRecord, keepRecord: boolean): Promise<void> {
    await this.options.secrets.delete(clusterKeySecret(record.id));
    if (record.keyName) {
      const aws = await this.clients(record.region, record.profile);
      await aws.ec2.send(new DeleteKeyPairCommand({ KeyName: record.keyName })).catch(() => undefined);
      aws.destroy();
    }
    if (keepRecord) await this.update(record.id, (r) => ({ ...r, hasKey: false }));
  }

  /**
   * In the background: once EMR says the cluster is terminated (its instances gone), deletes the
   * SSH security group if no instance uses it any more (another worker or cluster may share it).
   */
  private releaseGroup(record: ClusterRecord): void {
    const groupId = record.groupId;
    const clusterId = record.clusterId;
    if (!groupId || !clusterId) return;
    const timing = this.options.groupRelease ?? RELEASE_TIMING;
    const release = (async () => {
      const aws = await this.clients(record.region, record.profile);
      try {
        const until = Date.now() + timing.waitMs;
        for (let pause = timing.pollMs; ; pause = Math.min(pause * 2, 30_000)) {
          const state = (await aws.emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster?.Status?.State;
          if (state === 'TERMINATED' || state === 'TERMINATED_WITH_ERRORS') break;
          if (Date.now() + pause > until) throw new WorkbenchError('UNAVAILABLE', `${clusterId} did not end within ${Math.round(timing.waitMs / 1000)} s`);
          await sleep(pause);
        }
        const result = await deleteWhenUnused(aws.ec2, groupId, until, timing.pollMs);
        if (result.outcome === 'failed') throw new WorkbenchError('UNAVAILABLE', result.detail ?? 'no reason given');
      } finally {
        aws.destroy();
      }
    })().catch(async (err: unknown) => {
      const why = err instanceof Error ? err.message : String(err);
      const message = `Its security group ${groupId} was not deleted (${why}); delete it in the EC2 console (${record.region}) once no instance uses it.`;
      await this.update(record.id, (r) => ({ ...r, message })).catch(() => undefined);
      this.changed();
    });
    this.releases.add(release);
    void release.finally(() => this.releases.delete(release));
  }

  /** Resolves once every security group release terminate() started has ended. */
  async groupsReleased(): Promise<void> {
    await Promise.all([...this.releases]);
  }

  /** Reconciles once (adopting the tagged clusters the app does not know), then watches deadlines until close(). */
  start(): void {
    void this.list().catch(() => undefined);
    this.stopWatch = this.watch.every(WATCH_INTERVAL_MS, () => this.watched(), this.now);
  }

  close(): void {
    this.stopWatch?.();
  }

  private changed(): void {
    void this.records().then(
      (records) => this.options.onChange({ clusters: records.map((r) => toView(r, this.now())) }),
      () => undefined,
    );
  }
}

/** EMR refuses a cluster when its default roles were never made in the account: says how to make them. */
function withRoleHint(err: WorkbenchError): WorkbenchError {
  if (!new RegExp(`${EMR_SERVICE_ROLE}|${EMR_INSTANCE_PROFILE}`).test(err.message)) return err;
  return new WorkbenchError(err.code, `${err.message} EMR's default roles are made once per account with: aws emr create-default-roles`, { cause: err });
}

function withoutMessage(record: ClusterRecord): ClusterRecord {
  const { message: _message, ...rest } = record;
  return rest;
}

/** A name already in use by a live cluster: the same request again is a retry, anything else is refused. */
function refuseDifferent(existing: ClusterRecord, request: ParsedLaunch): void {
  const differences = [
    existing.region !== request.region && `region (${request.region}, not ${existing.region})`,
    existing.instanceType !== request.instanceType && `instance type (${request.instanceType}, not ${existing.instanceType})`,
    existing.coreNodes !== request.coreNodes && `core nodes (${request.coreNodes}, not ${existing.coreNodes})`,
    existing.release !== request.release && `release (${request.release}, not ${existing.release})`,
    existing.hours !== undefined && existing.hours !== request.hours && `hours (${request.hours}, not ${existing.hours})`,
  ].filter((d): d is string => typeof d === 'string');
  if (differences.length === 0) return;
  throw new WorkbenchError(
    'BAD_INPUT',
    `There is already a cluster named "${existing.name}" (${existing.clusterId ?? existing.id}) that differs in ${differences.join(', ')}. Choose another name, or terminate that cluster first.`,
  );
}

/** AWS answered with a 4xx (or the app refused): nothing was made. */
function refused(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return (status >= 400 && status < 500) || (err instanceof WorkbenchError && !err.retryable);
}

function masterAddress(cluster: EmrCluster): string | undefined {
  return cluster.MasterPublicDnsName || undefined;
}

/** The record of a tagged cluster the app does not know (launched from another data dir or app). */
function adopt(cluster: AppCluster, region: string, profile: string, now: Date): ClusterRecord {
  const jobFlowId = cluster.Id as string;
  const tagged = tagOf(cluster, CLUSTER_TAG.clusterId);
  const launchedAt = tagOf(cluster, CLUSTER_TAG.launchedAt) ?? cluster.Status?.Timeline?.CreationDateTime?.toISOString() ?? now.toISOString();
  return {
    id: tagged && ClusterId.safeParse(tagged).success ? tagged : adoptedId(jobFlowId),
    name: tagOf(cluster, CLUSTER_TAG.name) ?? cluster.Name ?? jobFlowId,
    region,
    profile,
    release: cluster.ReleaseLabel ?? 'unknown',
    ...cluster.size,
    launchedAt,
    deadline: tagOf(cluster, CLUSTER_TAG.deadline) ?? new Date(Date.parse(launchedAt) + MAX_LIFETIME_HOURS * HOUR_MS).toISOString(),
    clusterId: jobFlowId,
    state: stateOf(cluster),
    ...(masterAddress(cluster) ? { masterAddress: masterAddress(cluster) } : {}),
    // A cluster this app launched from another data dir: its key pair, named by the app's id, goes with it.
    ...(tagged && cluster.Ec2InstanceAttributes?.Ec2KeyName === `analysis-workbench-${tagged}` ? { keyName: `analysis-workbench-${tagged}` } : {}),
    hasKey: false,
    adopted: true,
    ...(cluster.Status?.Timeline?.EndDateTime ? { endedAt: cluster.Status.Timeline.EndDateTime.toISOString() } : {}),
  };
}

function fromCluster(record: ClusterRecord, cluster: EmrCluster): ClusterRecord {
  const state = stateOf(cluster);
  const address = masterAddress(cluster);
  const ended = cluster.Status?.Timeline?.EndDateTime?.toISOString() ?? record.endedAt;
  return {
    ...record,
    clusterId: cluster.Id,
    state,
    deadline: tagOf(cluster, CLUSTER_TAG.deadline) ?? record.deadline,
    ...(address ? { masterAddress: address } : {}),
    ...(ended && !isLive(state) ? { endedAt: ended } : {}),
  };
}

/**
 * Local records merged with what AWS says, region by region: known clusters updated, a launch
 * whose cluster exists completed, a stranger adopted, a known cluster AWS no longer lists ended.
 */
export function merge(records: ClusterRecord[], seen: Map<string, AppCluster[]>, profile: string, now: Date): ClusterRecord[] {
  const unclaimed = new Map<string, { cluster: AppCluster; region: string }>();
  for (const [region, clusters] of seen) for (const cluster of clusters) if (cluster.Id) unclaimed.set(cluster.Id, { cluster, region });
  const merged: ClusterRecord[] = [];
  for (const record of records) {
    const match = [...unclaimed.values()].find(({ cluster }) => cluster.Id === record.clusterId || tagOf(cluster, CLUSTER_TAG.clusterId) === record.id);
    if (match?.cluster.Id) unclaimed.delete(match.cluster.Id);
    if (match) merged.push(fromCluster(record, match.cluster));
    else if (!seen.has(record.region) || !isLive(record.state) || !record.clusterId) merged.push(record);
    else merged.push({ ...record, state: 'TERMINATED', endedAt: record.endedAt ?? now.toISOString() });
  }
  for (const { cluster, region } of unclaimed.values()) {
    const adopted = adopt(cluster, region, profile, now);
    if (!merged.some((r) => r.id === adopted.id)) merged.push(adopted);
  }
  return merged.filter((r) => isLive(r.state) || now.getTime() - Date.parse(r.endedAt ?? r.deadline) <= FORGET_AFTER_MS);
}

/** A record as the list shows it at `now`: time left, cost per hour and so far. */
export function toView(record: ClusterRecord, now: Date): Cluster {
  const deadline = Date.parse(record.deadline);
  const live = isLive(record.state);
  const end = live ? Math.min(now.getTime(), deadline) : Date.parse(record.endedAt ?? record.deadline);
  const hours = Math.max(0, (end - Date.parse(record.launchedAt)) / HOUR_MS);
  const cost = clusterCost(record.instanceType, record.coreNodes + 1, hours);
  return {
    id: record.id,
    name: record.name,
    region: record.region,
    ...(record.clusterId ? { clusterId: record.clusterId } : {}),
    release: record.release,
    instanceType: record.instanceType,
    coreNodes: record.coreNodes,
    state: record.state,
    ...(record.masterAddress ? { masterAddress: record.masterAddress } : {}),
    launchedAt: record.launchedAt,
    deadline: record.deadline,
    latestDeadline: new Date(Date.parse(record.launchedAt) + MAX_LIFETIME_HOURS * HOUR_MS).toISOString(),
    secondsLeft: live ? Math.max(0, Math.round((deadline - now.getTime()) / 1000)) : 0,
    hourlyUsd: cost.hourlyUsd,
    costUsd: cost.totalUsd,
    ...(cost.note ? { priceNote: cost.note } : {}),
    adopted: record.adopted,
    ...(record.message ? { message: record.message } : {}),
  };
}
