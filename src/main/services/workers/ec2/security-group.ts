import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { setTimeout as sleep } from 'node:timers/promises';
import { APP_TAG_VALUE, TAG } from './tags.ts';

const GROUP_PREFIX = 'analysis-workbench-ssh-';

/** The group's name says what it allows, so the same source reuses the same group. */
export function securityGroupName(cidr: string): string {
  return `${GROUP_PREFIX}${cidr}`;
}

function isDuplicate(err: unknown): boolean {
  const name = (err as { name?: string }).name ?? '';
  return name === 'InvalidPermission.Duplicate' || name === 'InvalidGroup.Duplicate';
}

/**
 * A security group (default VPC) allowing SSH from `cidr` only, created or reused by name.
 * A reused group is given the rule again (a duplicate is fine): someone may have edited it.
 */
export async function ensureSshSecurityGroup(ec2: EC2Client, cidr: string): Promise<string> {
  const name = securityGroupName(cidr);
  const found = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
  let groupId = found.SecurityGroups?.[0]?.GroupId;
  if (!groupId) {
    try {
      const created = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: `Analysis Workbench workers: SSH from ${cidr} only`,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: TAG.app, Value: APP_TAG_VALUE }] }],
        }),
      );
      groupId = created.GroupId;
    } catch (err) {
      // Another launch made it between our look and our create.
      if (!isDuplicate(err)) throw err;
      const again = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
      groupId = again.SecurityGroups?.[0]?.GroupId;
    }
  }
  if (!groupId) throw new Error(`The security group ${name} could not be created or found.`);
  try {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: cidr, Description: 'Analysis Workbench SSH' }] }],
      }),
    );
  } catch (err) {
    if (!isDuplicate(err)) throw err;
  }
  return groupId;
}

/** How long to wait for a terminated instance to let go of its groups, and how often to ask. */
export interface ReleaseTiming {
  /** Total time for the instance to reach "terminated" and for each group's deletion. */
  waitMs: number;
  /** The first pause between two questions; it doubles up to 30 s. */
  pollMs: number;
}

export const RELEASE_TIMING: ReleaseTiming = { waitMs: 5 * 60_000, pollMs: 2_000 };

/** What became of each group a terminated instance had: deleted, kept (and why), or failed. */
export interface GroupRelease {
  groupId: string;
  outcome: 'deleted' | 'in-use' | 'not-ours' | 'failed';
  detail?: string;
}

// Instance states that still hold their network interface, and so their security groups.
const HOLDING_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];

function errorName(err: unknown): string {
  return (err as { name?: string; Code?: string }).name ?? (err as { Code?: string }).Code ?? '';
}

/**
 * After `instanceId` was told to terminate: deletes those of `groupIds` that this app made
 * (by name and app tag) once no instance uses them any more. A group can only be deleted after
 * the instance is "terminated" (not merely shutting down), and AWS may still answer
 * DependencyViolation for a few seconds after that, so both are waited for, within `timing`.
 * A group another instance still uses stays: the last worker's termination deletes it.
 */
export async function releaseSecurityGroups(ec2: EC2Client, instanceId: string, groupIds: string[], timing: ReleaseTiming = RELEASE_TIMING): Promise<GroupRelease[]> {
  const until = Date.now() + timing.waitMs;
  const mine = await appGroups(ec2, groupIds);
  const results: GroupRelease[] = groupIds.filter((id) => !mine.includes(id)).map((groupId) => ({ groupId, outcome: 'not-ours' }));
  if (mine.length === 0) return results;
  if (!(await waitUntilTerminated(ec2, instanceId, until, timing.pollMs))) {
    return [...results, ...mine.map((groupId): GroupRelease => ({ groupId, outcome: 'failed', detail: `${instanceId} was not terminated within ${Math.round(timing.waitMs / 1000)} s` }))];
  }
  for (const groupId of mine) results.push(await deleteWhenUnused(ec2, groupId, until, timing.pollMs));
  return results;
}

/** Those of `groupIds` this app created: named by securityGroupName and tagged app=analysis-workbench. */
async function appGroups(ec2: EC2Client, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const answer = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }));
  return (answer.SecurityGroups ?? [])
    .filter((g) => g.GroupName?.startsWith(GROUP_PREFIX) && g.Tags?.some((t) => t.Key === TAG.app && t.Value === APP_TAG_VALUE))
    .map((g) => g.GroupId ?? '')
    .filter((id) => id !== '');
}

async function waitUntilTerminated(ec2: EC2Client, instanceId: string, until: number, pollMs: number): Promise<boolean> {
  for (let pause = pollMs; ; pause = Math.min(pause * 2, 30_000)) {
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const state = answer.Reservations?.[0]?.Instances?.[0]?.State?.Name;
    if (state === 'terminated' || state === undefined) return true;
    if (Date.now() + pause > until) return false;
    await sleep(pause);
  }
}

export async function deleteWhenUnused(ec2: EC2Client, groupId: string, until: number, pollMs: number): Promise<GroupRelease> {
  for (let pause = pollMs; ; pause = Math.min(pause * 2, 30_000)) {
    const using = await instancesUsing(ec2, groupId);
    if (using.length > 0) return { groupId, outcome: 'in-use', detail: `still used by ${using.join(', ')}` };
    try {
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: groupId }));
      return { groupId, outcome: 'deleted' };
    } catch (err) {
      const name = errorName(err);
      if (name === 'InvalidGroup.NotFound') return { groupId, outcome: 'deleted' };
      // The terminated instance's network interface may take a moment to go.
      if (name !== 'DependencyViolation' || Date.now() + pause > until) {
        return { groupId, outcome: 'failed', detail: `${name || 'Error'}: ${(err as Error).message}` };
      }
      await sleep(pause);
    }
  }
}

async function instancesUsing(ec2: EC2Client, groupId: string): Promise<string[]> {
  const answer = await ec2.send(
    new DescribeInstancesCommand({
      Filters: [
        { Name: 'instance.group-id', Values: [groupId] },
        { Name: 'instance-state-name', Values: HOLDING_STATES },
      ],
    }),
  );
  return (answer.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId ?? '?');
}

/** The security groups an instance is in (asked before terminating it: the answer to that does not say). */
export async function instanceSecurityGroups(ec2: EC2Client, instanceId: string): Promise<string[]> {
  const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = answer.Reservations?.[0]?.Instances?.[0];
  return (instance?.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter((id) => id !== '');
}
