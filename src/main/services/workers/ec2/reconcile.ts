import type { Instance } from '@aws-sdk/client-ec2';
import { costSoFar, Ec2WorkerId, instanceTypeInfo, type Ec2Worker } from '../../../../shared/ec2-model.ts';
import { instanceAddress } from './clients.ts';
import type { Ec2Record } from './ec2-store.ts';
import { stateOf } from './launcher.ts';
import { TAG, tagValue } from './tags.ts';

/** How long past its deadline a running instance may take to power off before it is flagged. */
const OVERDUE_GRACE_MS = 5 * 60_000;
/** A launch that never reached AWS is shown as failed after this long. */
const LAUNCH_STALE_MS = 15 * 60_000;
/** Terminated workers stay in the list this long after their deadline, then are forgotten. */
export const FORGET_AFTER_MS = 24 * 3_600_000;

/** The record of an instance the app lost track of (crash during launch, another data dir). */
function adopt(instance: Instance, region: string, profile: string, now: Date): Ec2Record | undefined {
  const id = tagValue(instance, TAG.workerId);
  if (!id || !Ec2WorkerId.safeParse(id).success || !instance.InstanceId) return undefined;
  const launchedAt = tagValue(instance, TAG.launchedAt) ?? instance.LaunchTime?.toISOString() ?? now.toISOString();
  return {
    id,
    name: tagValue(instance, TAG.name) ?? instance.InstanceId,
    region,
    instanceType: instance.InstanceType ?? 'unknown',
    profile,
    clientToken: instance.ClientToken ?? '',
    launchedAt,
    deadline: tagValue(instance, TAG.deadline) ?? new Date(Date.parse(launchedAt) + 24 * 3_600_000).toISOString(),
    sshUser: tagValue(instance, TAG.sshUser) ?? 'ubuntu',
    hasKey: false,
    instanceId: instance.InstanceId,
    state: stateOf(instance),
    adopted: true,
    ...(instanceAddress(instance) ? { address: instanceAddress(instance) } : {}),
  };
}

function fromInstance(record: Ec2Record, instance: Instance): Ec2Record {
  const address = instanceAddress(instance);
  const deadline = tagValue(instance, TAG.deadline) ?? record.deadline;
  const { message: _message, address: _address, ...rest } = record;
  return { ...rest, instanceId: instance.InstanceId, state: stateOf(instance), deadline, ...(address ? { address } : {}) };
}

/**
 * Local records merged with what AWS says, region by region: known instances updated, a
 * launching record whose instance exists completed, an unknown tagged instance adopted, a
 * known instance AWS no longer lists marked terminated. Regions not asked are left alone.
 */
export function mergeRecords(records: Ec2Record[], seen: Map<string, Instance[]>, profile: string, now: Date): Ec2Record[] {
  const byWorker = new Map<string, { instance: Instance; region: string }>();
  for (const [region, instances] of seen) {
    for (const instance of instances) {
      const id = tagValue(instance, TAG.workerId);
      const known = id ? byWorker.get(id) : undefined;
      // Keep the live one when a worker id has several (a terminated retry beside it).
      if (id && (!known || stateOf(known.instance) === 'terminated')) byWorker.set(id, { instance, region });
    }
  }
  const merged: Ec2Record[] = [];
  for (const record of records) {
    const found = byWorker.get(record.id);
    byWorker.delete(record.id);
    if (found) {
      merged.push(fromInstance(record, found.instance));
    } else if (!seen.has(record.region) || record.state === 'terminated') {
      merged.push(record);
    } else if (record.instanceId) {
      merged.push({ ...record, state: 'terminated' });
    } else if (now.getTime() - Date.parse(record.launchedAt) > LAUNCH_STALE_MS) {
      merged.push({ ...record, state: 'unknown', message: record.message ?? 'The launch did not complete: no instance was made.' });
    } else {
      merged.push(record);
    }
  }
  for (const { instance, region } of byWorker.values()) {
    const adopted = adopt(instance, region, profile, now);
    if (adopted) merged.push(adopted);
  }
  return merged.filter((r) => !(r.state === 'terminated' && now.getTime() - Date.parse(r.deadline) > FORGET_AFTER_MS));
}

const LIVE = new Set(['launching', 'pending', 'running', 'stopping', 'stopped']);

export function isLive(record: Ec2Record): boolean {
  return LIVE.has(record.state);
}

/** A record as the UI shows it at `now`: time left, cost so far, overdue flag. */
export function toWorker(record: Ec2Record, now: Date): Ec2Worker {
  const deadline = Date.parse(record.deadline);
  const hourlyUsd = instanceTypeInfo(record.instanceType)?.hourlyUsd ?? 0;
  const end = new Date(Math.min(now.getTime(), deadline));
  const overdue = (record.state === 'running' || record.state === 'pending') && now.getTime() > deadline + OVERDUE_GRACE_MS;
  const message = overdue ? `Still running ${Math.round((now.getTime() - deadline) / 60_000)} minutes past its deadline: its self-termination failed. Terminate it now.` : record.message;
  return {
    id: record.id,
    name: record.name,
    region: record.region,
    ...(record.instanceId ? { instanceId: record.instanceId } : {}),
    instanceType: record.instanceType,
    state: record.state,
    ...(record.address ? { address: record.address } : {}),
    launchedAt: record.launchedAt,
    deadline: record.deadline,
    secondsLeft: isLive(record) ? Math.max(0, Math.round((deadline - now.getTime()) / 1000)) : 0,
    hourlyUsd,
    costUsd: costSoFar(hourlyUsd, record.launchedAt, overdue ? now : end),
    adopted: record.adopted,
    overdue,
    reachable: record.hasKey && record.hostPublicKey !== undefined,
    ...(message ? { message } : {}),
  };
}
