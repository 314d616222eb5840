import { whileIamPropagates } from '../../schedules/iam-propagation.ts';
import { ensureReadProfile } from './read-profile.ts';
import { randomBytes } from 'node:crypto';
import { RunInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { instanceTypeInfo, LaunchRequest, MAX_LIFETIME_HOURS, type Ec2State } from '../../../../shared/ec2-model.ts';
import { describeZodError } from '../../../zod-message.ts';
import { awsError } from '../../credentials/aws-errors.ts';
import { describeImage, newestUbuntuLts } from './ami.ts';
import { describeWorkerInstances } from './clients.ts';
import { hostKeySecret, privateKeySecret, type Ec2Record } from './ec2-store.ts';
import type { SshKeyPair } from './keys.ts';
import { ensureSshSecurityGroup } from './security-group.ts';
import { workerTags } from './tags.ts';
import { renderUserData } from './user-data.ts';
import type { Ec2Context } from './context.ts';

export type ParsedLaunch = ReturnType<typeof LaunchRequest.parse>;

export function newWorkerId(): string {
  // 8 characters of [a-z0-9], as the worker id pattern wants.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return `ec2-${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export function stateOf(instance: Instance): Ec2State {
  const name = instance.State?.Name;
  return name === 'pending' || name === 'running' || name === 'stopping' || name === 'stopped' || name === 'shutting-down' || name === 'terminated' ? name : 'unknown';
}

/**
 * Launches an EC2 worker. Everything needed to reach it (keys, deadline, token) is saved
 * BEFORE RunInstances, so a crash right after it loses nothing: a retry with the same token,
 * or the reconcile at the next start, finds the instance by its worker-id tag and adopts it.
 */
export async function launchWorker(ctx: Ec2Context, raw: unknown): Promise<Ec2Record> {
  const parsed = LaunchRequest.safeParse(raw);
  if (!parsed.success) throw new WorkbenchError('BAD_INPUT', `Cannot launch: ${describeZodError(parsed.error)}`);
  const request = parsed.data;
  if (request.instanceProfile && request.readBuckets?.length) {
    throw new WorkbenchError('BAD_INPUT', 'Give either an instance profile or buckets to read, not both: buckets to read get a profile made for them.');
  }
  const profile = (await ctx.credentials.describe()).ref;
  const identity = await ctx.credentials.identity(profile);
  const existing = request.clientToken ? (await ctx.records()).find((r) => r.clientToken === request.clientToken) : undefined;
  if (existing) refuseDifferentRetry(existing, request);
  if (existing?.instanceId) return existing;
  const record = existing ?? (await prepare(ctx, request, profile));

  const ec2 = await ctx.ec2(record.region, record.profile);
  try {
    // A retry of a launch that reached AWS: the instance is there, tagged with our id.
    const found = (await describeWorkerInstances(ec2, identity.arn, { workerId: record.id })).find((i) => stateOf(i) !== 'terminated');
    if (found) return await ctx.saveInstance(record.id, found);
    const instance = await runInstance(ctx, ec2, request, record, identity.arn);
    return await ctx.saveInstance(record.id, instance);
  } catch (err) {
    const failed = awsError(err, 'launch the worker', profile);
    // A refusal means AWS made nothing: forget the launch. Anything else (a timeout, a crash)
    // may have made an instance, so the record and its keys stay for the retry or the reconcile.
    if (awsRefused(err)) await ctx.forgetLaunch(record.id);
    else await ctx.updateRecord(record.id, (r) => ({ ...r, message: failed.message }));
    throw failed;
  } finally {
    ec2.destroy();
  }
}

/**
 * A client token names one launch: a request reusing it must ask for that same worker, or
 * the caller would be handed a worker other than the one it asked for.
 */
function refuseDifferentRetry(existing: Ec2Record, request: ParsedLaunch): void {
  const hours = (n: number) => `${n} hour${n === 1 ? '' : 's'}`;
  const differences = [
    existing.name !== request.name && `name ("${request.name}", not "${existing.name}")`,
    existing.region !== request.region && `region (${request.region}, not ${existing.region})`,
    existing.instanceType !== request.instanceType && `instance type (${request.instanceType}, not ${existing.instanceType})`,
    existing.lifetimeHours !== undefined && existing.lifetimeHours !== request.lifetimeHours && `lifetime (${hours(request.lifetimeHours)}, not ${hours(existing.lifetimeHours)})`,
    existing.sshUser !== request.sshUser && `SSH user (${request.sshUser}, not ${existing.sshUser})`,
  ].filter((d): d is string => typeof d === 'string');
  if (differences.length === 0) return;
  throw new WorkbenchError(
    'BAD_INPUT',
    `The client token ${existing.clientToken} already launched "${existing.name}" (${existing.id}); this request differs in ${differences.join(', ')}. ` +
      'To retry that launch, send the same values; for another worker, use a new token (a new launch form).',
  );
}

/** AWS answered a request with a 4xx: it refused, so nothing was made by it. */
function awsRefused(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  return (status >= 400 && status < 500) || (err instanceof WorkbenchError && !err.retryable);
}

async function prepare(ctx: Ec2Context, request: ParsedLaunch, profile: string): Promise<Ec2Record> {
  if (!instanceTypeInfo(request.instanceType)) throw new WorkbenchError('BAD_INPUT', `Unknown instance type ${request.instanceType}.`);
  if (request.lifetimeHours > MAX_LIFETIME_HOURS) throw new WorkbenchError('BAD_INPUT', `A worker lives at most ${MAX_LIFETIME_HOURS} hours.`);
  if ((await ctx.records()).some((r) => r.name === request.name && r.state !== 'terminated')) {
    throw new WorkbenchError('BAD_INPUT', `There is already an EC2 worker named "${request.name}"; choose another name.`);
  }
  const id = newWorkerId();
  const now = ctx.now();
  const userKey: SshKeyPair = ctx.keys.user(`workbench-${id}`);
  const hostKey: SshKeyPair = ctx.keys.host(`workbench-${id}-host`);
  await ctx.secrets.set(privateKeySecret(id), userKey.privateKey);
  const record: Ec2Record = {
    id,
    name: request.name,
    region: request.region,
    instanceType: request.instanceType,
    profile,
    clientToken: request.clientToken ?? `wb-${id}-${randomBytes(6).toString('hex')}`,
    launchedAt: now.toISOString(),
    deadline: new Date(now.getTime() + request.lifetimeHours * 3_600_000).toISOString(),
    lifetimeHours: request.lifetimeHours,
    sshUser: request.sshUser,
    hostPublicKey: hostKey.publicKey,
    userPublicKey: userKey.publicKey,
    hasKey: true,
    state: 'launching',
    adopted: false,
  };
  // The host's private key is needed once, in user-data; it is kept only until the instance
  // exists (a retry renders the same user-data from it), then deleted by saveInstance.
  await ctx.secrets.set(hostKeySecret(id), hostKey.privateKey);
  await ctx.addRecord(record);
  return record;
}

async function runInstance(ctx: Ec2Context, ec2: EC2Client, request: ParsedLaunch, record: Ec2Record, owner: string): Promise<Instance> {
  const hostPrivateKey = await ctx.secrets.get(hostKeySecret(record.id));
  if (!hostPrivateKey || !record.hostPublicKey || !record.userPublicKey) throw new WorkbenchError('NOT_FOUND', `The keys of ${record.name} were lost; launch a new worker.`);
  const image = request.imageId ? await describeImage(ec2, request.imageId, record.region) : await newestUbuntuLts(ec2);
  const cidr = request.allowedCidr ?? (await ctx.myAddress());
  const groupId = await ensureSshSecurityGroup(ec2, cidr);
  const userData = await renderUserData(ctx.cloudInitDir, {
    name: record.name,
    deadline: new Date(record.deadline),
    hostPrivateKey,
    hostPublicKey: record.hostPublicKey,
    userPublicKey: record.userPublicKey,
  });
  const tags = workerTags({ ...record, owner });
  const readProfile = request.readBuckets?.length ? await ensureReadProfile(ctx.credentials, record.profile, record.region, request.readBuckets, ctx.env) : undefined;
  // A profile made a moment ago may not be usable by EC2 for some seconds.
  const answer = await whileIamPropagates(() => ec2.send(
    new RunInstancesCommand({
      ImageId: image.ImageId,
      InstanceType: record.instanceType as never,
      MinCount: 1,
      MaxCount: 1,
      ClientToken: record.clientToken,
      InstanceInitiatedShutdownBehavior: 'terminate',
      UserData: Buffer.from(userData).toString('base64'),
      SecurityGroupIds: [groupId],
      // The root device gets the size (a different name would add a second, empty disk).
      BlockDeviceMappings: [{ DeviceName: image.RootDeviceName ?? '/dev/sda1', Ebs: { VolumeSize: request.diskGiB, VolumeType: 'gp3', DeleteOnTermination: true } }],
      MetadataOptions: { HttpTokens: 'required' },
      ...(request.instanceProfile ? { IamInstanceProfile: { Name: request.instanceProfile } } : readProfile ? { IamInstanceProfile: { Arn: readProfile } } : {}),
      TagSpecifications: [
        { ResourceType: 'instance', Tags: tags },
        { ResourceType: 'volume', Tags: tags },
      ],
    }),
  ));
  const instance = answer.Instances?.[0];
  if (!instance?.InstanceId) throw new WorkbenchError('INTERNAL', 'RunInstances answered without an instance.');
  return instance;
}
