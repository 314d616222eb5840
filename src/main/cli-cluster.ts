import { parseArgs } from 'node:util';
import type { Cluster, ClusterCost } from '../shared/cluster-model.ts';
import { printable } from '../shared/display-text.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import { UsageError } from './cli-usage.ts';
import type { Workbench } from './workbench.ts';

export const CLUSTER_USAGE = `Usage: workbench cluster <launch|list|extend|terminate> [options]

Spark clusters on Amazon EMR (the newest EMR 7 release with Spark unless --release), with the
active AWS profile. A schedule in AWS (EventBridge Scheduler) terminates each cluster at its
deadline, whether or not this app is running; EMR also ends one idle for an hour.

  launch NAME --core-nodes N --instance-type T --hours H --region R
         [--source CIDR] [--release emr-7.X.Y] [--dry-run]
                       launch (the same NAME again finds the cluster, never makes a
                       second); --source defaults to your public address /32;
                       --dry-run only shows the cost per hour and for H hours
  list                 clusters with state, nodes, deadline, time left and cost
  extend ID --hours H  move the deadline later (never past 24 h from launch)
  terminate ID --yes   terminate now and delete its schedule, key and security group
  --json               print results as JSON

ID is the cluster's id (emr-...), its EMR id (j-...) or its name.`;

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

function usd(n: number): string {
  return `$${n.toFixed(2)}`;
}

function costLine(cost: ClusterCost, hours: number): string {
  const each = `${cost.nodes} node${cost.nodes === 1 ? '' : 's'}`;
  return `Cost: ${usd(cost.hourlyUsd)} per hour (${each}), ${usd(cost.totalUsd)} for ${hours} h${cost.note ? ` (${cost.note})` : ''}.`;
}

function row(c: Cluster): string {
  const flags = [c.adopted ? 'adopted' : '', c.priceNote ?? '', c.message ? printable(c.message) : ''].filter(Boolean).join('; ');
  // An adopted cluster's name comes from its AWS tags: shown with any control character escaped.
  return [
    c.id,
    printable(c.name).padEnd(16),
    (c.clusterId ?? '-').padEnd(15),
    c.state.padEnd(13),
    `1+${c.coreNodes} ${c.instanceType}`.padEnd(16),
    c.region.padEnd(12),
    `until ${c.deadline.slice(0, 16).replace('T', ' ')}Z`,
    `${duration(c.secondsLeft)} left`.padEnd(11),
    `${usd(c.costUsd)} so far, ${usd(c.hourlyUsd)}/h`,
    flags,
  ]
    .join('  ')
    .trimEnd();
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, not "${printable(value)}".`);
  return n;
}

/**
 * `workbench cluster ...`: the calls clusters:*. `clusters` is the core's own, for the one wait
 * no call offers: the security group `terminate` deletes in the background.
 */
export async function runClusterCommand(client: WorkbenchClient, clusters: Workbench['clusters'], args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'core-nodes': { type: 'string' },
      'instance-type': { type: 'string' },
      hours: { type: 'string' },
      region: { type: 'string' },
      source: { type: 'string' },
      release: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [verb, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.map(printable).join(' ')}`);
  const print = (value: unknown, text: () => void) => (values.json ? out(JSON.stringify(value, null, 2)) : text());
  switch (verb) {
    case 'launch': {
      const coreNodes = number(values['core-nodes'], '--core-nodes');
      const hours = number(values.hours, '--hours');
      if (!target || coreNodes === undefined || !values['instance-type'] || hours === undefined || !values.region) {
        throw new UsageError('launch needs a NAME, --core-nodes, --instance-type, --hours and --region.');
      }
      const request = {
        name: target,
        region: values.region,
        coreNodes,
        instanceType: values['instance-type'],
        hours,
        ...(values.source ? { allowedCidr: values.source } : {}),
        ...(values.release ? { release: values.release } : {}),
      };
      const cost = await client.call('clusters:estimate', request);
      if (values['dry-run']) {
        print(cost, () => out(costLine(cost, hours)));
        return 0;
      }
      const cluster = await client.call('clusters:launch', request);
      print(cluster, () => {
        out(`Launched ${printable(cluster.name)} (${cluster.id}, ${cluster.clusterId ?? '-'}, ${cluster.release}); AWS terminates it at ${cluster.deadline}.`);
        out(costLine(cost, hours));
      });
      return 0;
    }
    case 'list': {
      const list = await client.call('clusters:list');
      print(list, () => {
        if (list.message) out(`warning: ${list.message}`);
        if (list.clusters.length === 0) out('No clusters.');
        for (const c of list.clusters) out(row(c));
      });
      return 0;
    }
    case 'extend': {
      const hours = number(values.hours, '--hours');
      if (!target || hours === undefined) throw new UsageError('extend needs an ID and --hours.');
      const cluster = await client.call('clusters:extend', { clusterId: await clusterRef(client, target), hours });
      print(cluster, () => out(`AWS now terminates ${printable(cluster.name)} at ${cluster.deadline} (the latest possible is ${cluster.latestDeadline}).`));
      return 0;
    }
    case 'terminate': {
      if (!target) throw new UsageError('terminate needs an ID.');
      if (!values.yes) throw new UsageError(`Terminating ${printable(target)} loses everything on its nodes; add --yes to confirm.`);
      const terminated = await client.call('clusters:terminate', { clusterId: await clusterRef(client, target) });
      if (!values.json) out(`${printable(terminated.name)} is ${terminated.state}; its deadline schedule and key are deleted, its security group once the cluster has ended.`);
      // This process ends next, so the deletion terminate started in the background is waited for here.
      await clusters.clusters.groupsReleased();
      const left = (await clusters.clusters.get(terminated.id)).message;
      const cluster = { ...terminated, ...(left ? { message: left } : {}) };
      print(cluster, () => (left ? out(`warning: ${printable(left)}`) : out('Done.')));
      return left ? 1 : 0;
    }
    default:
      throw new UsageError(verb ? `Unknown cluster command "${printable(verb)}".` : 'cluster needs a command.');
  }
}

/** The id a call takes for ID: an id (emr-..., j-...) as it is, a name by the list. */
async function clusterRef(client: WorkbenchClient, ref: string): Promise<string> {
  if (/^(emr-[a-z0-9]{8}|j-[A-Z0-9]{1,20})$/.test(ref)) return ref;
  const list = await client.call('clusters:list');
  const live = list.clusters.filter((c) => c.name === ref && !c.state.startsWith('TERMINAT'));
  const found = live[0] ?? list.clusters.find((c) => c.name === ref);
  if (!found) throw new UsageError(`There is no cluster "${printable(ref)}"; 'workbench cluster list' shows the clusters and their ids.`);
  return found.id;
}
