import { CreateTagsCommand, TerminateInstancesCommand, type Instance } from '@aws-sdk/client-ec2';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { MAX_LIFETIME_HOURS, REGIONS, type Ec2Warning, type Ec2Worker } from '../../../../shared/ec2-model.ts';
import { awsError } from '../../credentials/aws-errors.ts';
import type { CredentialsService } from '../../credentials/credentials-service.ts';
import type { SecretStore } from '../../credentials/secret-store.ts';
import type { SshConnections, SshEndpoint } from '../../ssh/connection-manager.ts';
import { execRemote } from '../../ssh/ssh-transport.ts';
import type { DocumentStore } from '../../store/document-store.ts';
import { defaultEc2Clients, describeWorkerInstances, instanceAddress, type Ec2ClientFactory } from './clients.ts';
import type { Ec2Context } from './context.ts';
import { EC2_DOCUMENT, hostKeySecret, privateKeySecret, type Ec2Record } from './ec2-store.ts';
import { ExpiryWatch, type WatchedWorker } from '../expiry-watch.ts';
import { generateEd25519, publicKeyBlob } from './keys.ts';
import { launchWorker, stateOf } from './launcher.ts';
import { lookUpMyAddress } from './my-address.ts';
import { isLive, mergeRecords, toWorker } from './reconcile.ts';
import { instanceSecurityGroups, releaseSecurityGroups, type ReleaseTiming } from './security-group.ts';
import { TAG } from './tags.ts';

export interface Ec2WorkersOptions {
  store: DocumentStore;
  credentials: CredentialsService;
  secrets: SecretStore;
  connections: SshConnections;
  cloudInitDir: string;
  /** The regions to reconcile (settings.regions), read at each reconcile. */
  regions: () => Promise<string[]>;
  onChange: (workers: Ec2Worker[]) => void;
  onWarning: (warning: Ec2Warning) => void;
  ec2?: Ec2ClientFactory;
  keys?: Ec2Context['keys'];
  now?: () => Date;
  myAddress?: () => Promise<string>;
  env?: NodeJS.ProcessEnv;
  /** How long terminate() waits in the background to delete a worker's security group. */
  groupRelease?: ReleaseTiming;
}

export interface Ec2List {
  workers: Ec2Worker[];
  /** Why AWS could not be asked (the list is then what the app remembers). */
  message?: string;
}

const WATCH_INTERVAL_MS = 30_000;

/**
 * EC2 workers: launch, list (reconciled with AWS), terminate, extend, and the expiry watch.
 * The instance enforces its own deadline; the app only shows it, warns, and moves it.
 */
export class Ec2Workers implements Ec2Context {
  readonly credentials: CredentialsService;
  readonly secrets: SecretStore;
  readonly ec2: Ec2ClientFactory;
  readonly keys: Ec2Context['keys'];
  readonly cloudInitDir: string;
  readonly now: () => Date;
  readonly myAddress: () => Promise<string>;
  readonly env: NodeJS.ProcessEnv | undefined;
  private readonly watch: ExpiryWatch;
  private stopWatch: (() => void) | undefined;
  private readonly launches = new Map<string, Promise<Ec2Record>>();
  private readonly releases = new Set<Promise<void>>();

  constructor(private readonly options: Ec2WorkersOptions) {
    this.credentials = options.credentials;
    this.secrets = options.secrets;
    this.ec2 = options.ec2 ?? defaultEc2Clients(options.credentials, options.env);
    this.keys = options.keys ?? { user: generateEd25519, host: generateEd25519 };
    this.cloudInitDir = options.cloudInitDir;
    this.now = options.now ?? (() => new Date());
    this.myAddress = options.myAddress ?? (() => lookUpMyAddress(options.env));
    this.env = options.env;
    this.watch = new ExpiryWatch(options.onWarning);
  }

  records(): Promise<Ec2Record[]> {
    return this.options.store.read(EC2_DOCUMENT);
  }

  async addRecord(record: Ec2Record): Promise<void> {
    await this.options.store.update(EC2_DOCUMENT, (all) => [...all, record]);
  }

  async updateRecord(workerId: string, change: (record: Ec2Record) => Ec2Record): Promise<Ec2Record> {
    let updated: Ec2Record | undefined;
    await this.options.store.update(EC2_DOCUMENT, (all) =>
      all.map((r) => {
        if (r.id !== workerId) return r;
        updated = change(r);
        return updated;
      }),
    );
    if (!updated) throw new WorkbenchError('NOT_FOUND', `There is no EC2 worker ${workerId}.`);
    return updated;
  }

  async forgetLaunch(workerId: string): Promise<void> {
    await this.options.store.update(EC2_DOCUMENT, (all) => all.filter((r) => r.id !== workerId));
    await this.forgetKeys(workerId, false);
  }

  async saveInstance(workerId: string, instance: Instance): Promise<Ec2Record> {
    const address = instanceAddress(instance);
    const saved = await this.updateRecord(workerId, (r) => {
      const { message: _message, ...rest } = r;
      return { ...rest, instanceId: instance.InstanceId, state: stateOf(instance), ...(address ? { address } : {}) };
    });
    await this.secrets.delete(hostKeySecret(workerId));
    return saved;
  }

  async launch(request: unknown): Promise<Ec2Worker> {
    // Two calls with one token at once (a double click) run one after the other, so the
    // second finds the first's record instead of preparing a launch of its own.
    const token = (request as { clientToken?: unknown } | null)?.clientToken;
    const key = typeof token === 'string' ? token : undefined;
    const previous = key ? this.launches.get(key) : undefined;
    const run = (previous ?? Promise.resolve()).catch(() => undefined).then(() => launchWorker(this, request));
    if (key) this.launches.set(key, run);
    try {
      const record = await run;
      this.changed();
      return toWorker(record, this.now());
    } finally {
      if (key && this.launches.get(key) === run) this.launches.delete(key);
    }
  }

  /** The workers, reconciled with every region in use; AWS failures leave the local view. */
  async list(): Promise<Ec2List> {
    let message: string | undefined;
    try {
      await this.reconcile();
    } catch (err) {
      message = (err instanceof WorkbenchError ? err : awsError(err, 'list the workers')).message;
    }
    await this.checkDeadlines();
    const workers = (await this.records()).map((r) => toWorker(r, this.now()));
    return { workers, ...(message ? { message } : {}) };
  }

  /**
   * After the list of workers was lost: asks every region a worker can be launched in (not
   * only those in use, which the lost list named), adopting the tagged instances it finds.
   * A region that refuses (not enabled for the account, say) is named and skipped.
   */
  async findAgain(): Promise<Ec2List> {
    const skipped: string[] = [];
    await this.reconcile({ everyRegion: true, skipped });
    await this.checkDeadlines();
    const workers = (await this.records()).map((r) => toWorker(r, this.now()));
    const message = skipped.length > 0 ? `These regions could not be asked: ${skipped.join('; ')}` : undefined;
    return { workers, ...(message ? { message } : {}) };
  }

  /**
   * Asks AWS for every tagged instance of this user in the regions in use and merges.
   * `everyRegion` asks all known regions, noting in `skipped` (instead of failing) those that refuse.
   */
  async reconcile(options: { everyRegion?: boolean; skipped?: string[] } = {}): Promise<Ec2Record[]> {
    const profile = await this.credentials.describe();
    const identity = await this.credentials.identity(profile.ref);
    const known = await this.records();
    const inUse = [...(await this.options.regions()), ...known.filter((r) => r.profile === profile.ref).map((r) => r.region)];
    const regions = [...new Set([...inUse, ...(options.everyRegion ? REGIONS : [])])];
    const seen = new Map<string, Instance[]>();
    let firstFailure: WorkbenchError | undefined;
    for (const region of regions) {
      const ec2 = await this.ec2(region, profile.ref);
      try {
        seen.set(region, await describeWorkerInstances(ec2, identity.arn));
      } catch (err) {
        const failure = awsError(err, `list the workers in ${region}`, profile.ref);
        if (!options.everyRegion) throw failure;
        firstFailure ??= failure;
        options.skipped?.push(`${region} (${failure.message})`);
      } finally {
        ec2.destroy();
      }
    }
    // No region answered: the cause is the credentials or the network, not the regions.
    if (firstFailure && seen.size === 0) throw firstFailure;
    const merged = await this.options.store.update(EC2_DOCUMENT, (current) => mergeRecords(current, seen, profile.ref, this.now()));
    // Keys of workers that are gone (or were forgotten) are deleted.
    for (const record of known) {
      const still = merged.find((r) => r.id === record.id);
      if (!still || (still.state === 'terminated' && record.hasKey)) await this.forgetKeys(record.id, Boolean(still));
    }
    // What AWS said changed something (an instance adopted, running, gone): every list follows.
    if (JSON.stringify(merged) !== JSON.stringify(known)) this.changed();
    return merged;
  }

  private async forgetKeys(workerId: string, keepRecord: boolean): Promise<void> {
    await this.secrets.delete(privateKeySecret(workerId));
    await this.secrets.delete(hostKeySecret(workerId));
    if (keepRecord) await this.updateRecord(workerId, (r) => ({ ...r, hasKey: false }));
  }

  async get(workerId: string): Promise<Ec2Record> {
    const record = (await this.records()).find((r) => r.id === workerId);
    if (!record) throw new WorkbenchError('NOT_FOUND', `There is no EC2 worker ${workerId}.`);
    return record;
  }

  async terminate(workerId: string): Promise<Ec2Worker> {
    const record = await this.get(workerId);
    if (!record.instanceId) throw new WorkbenchError('BAD_INPUT', `${record.name} has no instance (its launch did not complete); nothing to terminate.`);
    const instanceId = record.instanceId;
    const ec2 = await this.ec2(record.region, record.profile);
    try {
      const groupIds = await instanceSecurityGroups(ec2, instanceId);
      const answer = await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
      const state = answer.TerminatingInstances?.[0]?.CurrentState?.Name === 'terminated' ? 'terminated' : 'shutting-down';
      const updated = await this.updateRecord(workerId, (r) => ({ ...r, state }));
      // Its connection (terminals, file views) ends with it; no reconnecting to a machine that is gone.
      this.options.connections.disconnect(workerId);
      this.changed();
      this.releaseGroups(record, instanceId, groupIds);
      return toWorker(updated, this.now());
    } catch (err) {
      throw awsError(err, `terminate ${record.name}`, record.profile);
    } finally {
      ec2.destroy();
    }
  }

  /**
   * Deletes the security group a terminated worker leaves, once no instance uses it, in the
   * background: on AWS the instance takes a minute or so to let go of it. A group that cannot be
   * deleted in time is named in the worker's message, for the user to delete by hand.
   */
  private releaseGroups(record: Ec2Record, instanceId: string, groupIds: string[]): void {
    const release = (async () => {
      const ec2 = await this.ec2(record.region, record.profile);
      try {
        const failed = (await releaseSecurityGroups(ec2, instanceId, groupIds, this.options.groupRelease)).filter((r) => r.outcome === 'failed');
        if (failed.length === 0) return;
        const which = failed.map((r) => `${r.groupId} (${r.detail ?? 'no reason given'})`).join(', ');
        throw new WorkbenchError('UNAVAILABLE', `Its security group ${which} was not deleted; delete it in the EC2 console (${record.region}) once no instance uses it.`);
      } finally {
        ec2.destroy();
      }
    })().catch(async (err: unknown) => {
      const failure = err instanceof WorkbenchError ? err : awsError(err, `delete the security group of ${record.name}`, record.profile);
      await this.updateRecord(record.id, (r) => ({ ...r, message: failure.message })).catch(() => undefined);
      this.changed();
    });
    this.releases.add(release);
    void release.finally(() => this.releases.delete(release));
  }

  /** Resolves once every security group release that terminate() started has ended. */
  async groupsReleased(): Promise<void> {
    await Promise.all([...this.releases]);
  }

  /** How the app reaches a worker over SSH: its pinned host key and its own private key. */
  async endpoint(workerId: string): Promise<SshEndpoint> {
    const record = await this.get(workerId);
    if (record.state === 'terminated' || record.state === 'shutting-down') {
      throw new WorkbenchError('UNAVAILABLE', `${record.name} is ${record.state}: the instance and its disk are gone.`);
    }
    const privateKey = record.hasKey ? await this.secrets.get(privateKeySecret(workerId)) : undefined;
    if (!record.address || !record.hostPublicKey || !privateKey) {
      throw new WorkbenchError('UNAVAILABLE', `${record.name} cannot be reached over SSH: ${!record.address ? 'it has no address yet' : 'the app does not hold its keys (it was launched elsewhere)'}.`);
    }
    return { workerId, name: record.name, host: record.address, user: record.sshUser, pinnedHostKey: publicKeyBlob(record.hostPublicKey), privateKeys: [privateKey] };
  }

  /**
   * Moves the deadline `hours` later, never past 24 hours from launch: first on the instance
   * (over SSH: the shutdown is rescheduled), then the tag and the record. If the instance
   * cannot be reached nothing changes, so the tag never promises a life the instance won't have.
   */
  async extend(workerId: string, hours: number): Promise<Ec2Worker> {
    const record = await this.get(workerId);
    if (!isLive(record) || !record.instanceId) throw new WorkbenchError('BAD_INPUT', `${record.name} is ${record.state}; only a running worker can be extended.`);
    const limit = Date.parse(record.launchedAt) + MAX_LIFETIME_HOURS * 3_600_000;
    const current = Date.parse(record.deadline);
    // Whole seconds: the instance keeps the deadline as an epoch in seconds.
    const wanted = Math.floor(Math.min(current + hours * 3_600_000, limit) / 1000) * 1000;
    if (wanted <= current) {
      throw new WorkbenchError('BAD_INPUT', `${record.name} already lives until ${record.deadline}, ${MAX_LIFETIME_HOURS} hours after its launch: it cannot be extended further.`);
    }
    const deadline = new Date(wanted);
    const client = await this.options.connections.client(await this.endpoint(workerId));
    const result = await execRemote(client, ['sudo', '-n', 'workbench-deadline', String(deadline.getTime() / 1000)], { timeoutMs: 30_000 });
    if (result.code !== 0) {
      throw new WorkbenchError('UNAVAILABLE', `The worker did not accept the new deadline (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
    }
    const ec2 = await this.ec2(record.region, record.profile);
    try {
      await ec2.send(new CreateTagsCommand({ Resources: [record.instanceId], Tags: [{ Key: TAG.deadline, Value: deadline.toISOString() }] }));
    } catch (err) {
      throw awsError(err, `update the deadline tag of ${record.name} (the instance itself was rescheduled)`, record.profile);
    } finally {
      ec2.destroy();
    }
    const updated = await this.updateRecord(workerId, (r) => ({ ...r, deadline: deadline.toISOString() }));
    this.changed();
    return toWorker(updated, this.now());
  }

  /** Reconciles now, then watches deadlines (warnings) until close(). */
  start(): void {
    const tick = () => void this.list().catch(() => undefined);
    tick();
    this.stopWatch = this.watch.every(WATCH_INTERVAL_MS, () => this.watched(), this.now);
  }

  async checkDeadlines(): Promise<void> {
    this.watch.check(await this.watched(), this.now());
  }

  private async watched(): Promise<WatchedWorker[]> {
    return (await this.records()).map((r) => ({ id: r.id, name: r.name, deadline: r.deadline, live: isLive(r) }));
  }

  close(): void {
    this.stopWatch?.();
  }

  private changed(): void {
    void this.records().then(
      (records) => this.options.onChange(records.map((r) => toWorker(r, this.now()))),
      () => undefined,
    );
  }
}
