import { parseArgs } from 'node:util';
import type { Ec2Worker } from '../shared/ec2-model.ts';
import { printable } from '../shared/display-text.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import { findWorker } from './cli-run.ts';
import { UsageError } from './cli-usage.ts';
import type { Workbench } from './workbench.ts';

export const WORKER_USAGE = `Usage: workbench worker <launch|list|extend|terminate|trust> [options]

EC2 workers that terminate themselves at their deadline (at most 24 hours after launch),
with the active AWS profile (see 'workbench call aws:profiles').

  launch NAME --region R --type T [--hours H] [--disk-gib N] [--source CIDR]
         [--instance-profile P | --read-bucket B ...] [--ami AMI] [--ssh-user U] [--token TOKEN]
                       launch; --source defaults to your public address /32;
                       the same --token again never launches twice; --read-bucket
                       (repeatable) lets it read those buckets (read-only) through an
                       instance profile the app makes: your keys never go to the worker
  list                 workers with state, address, time left and cost so far
  extend WORKER_ID --hours H
                       move the deadline later (never past 24 h from launch)
  terminate WORKER_ID --yes
                       terminate now (--yes confirms)
  trust NAME --fingerprint SHA256:...
                       trust a worker's new host key (an SSH host's, or a Spark cluster
                       master's, which EMR cannot pin at launch): connects, compares the key
                       the host shows with the fingerprint you checked with its owner, and
                       records it in the app's known_hosts
  --json               print results as JSON`;

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h${String(m).padStart(2, '0')}m`;
}

function row(w: Ec2Worker): string {
  const flags = [w.overdue ? 'OVERDUE' : '', w.adopted ? 'adopted' : '', w.message && !w.overdue ? printable(w.message) : ''].filter(Boolean).join('; ');
  // An adopted instance's name comes from its AWS tags: shown with any control character escaped.
  return [w.id, printable(w.name).padEnd(16), w.state.padEnd(13), (w.address ?? '-').padEnd(15), w.region.padEnd(14), `${duration(w.secondsLeft)} left`.padEnd(11), `$${w.costUsd.toFixed(2)}`, flags].join('  ').trimEnd();
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, not "${value}".`);
  return n;
}

/**
 * `workbench worker ...`: the same calls as the Workers view. `ec2` is the core's own, for the
 * one wait no call offers: the security groups `terminate` releases in the background.
 */
export async function runWorkerCommand(client: WorkbenchClient, ec2: Workbench['ec2'], args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      region: { type: 'string' },
      type: { type: 'string' },
      hours: { type: 'string' },
      'disk-gib': { type: 'string' },
      source: { type: 'string' },
      'instance-profile': { type: 'string' },
      'read-bucket': { type: 'string', multiple: true },
      ami: { type: 'string' },
      'ssh-user': { type: 'string' },
      token: { type: 'string' },
      fingerprint: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [verb, target, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
  const print = (value: unknown, text: () => void) => (values.json ? out(JSON.stringify(value, null, 2)) : text());
  switch (verb) {
    case 'launch': {
      if (!target || !values.region || !values.type) throw new UsageError('launch needs a NAME, --region and --type.');
      const hours = number(values.hours, '--hours');
      const disk = number(values['disk-gib'], '--disk-gib');
      const worker = await client.call('ec2:launch', {
        name: target,
        region: values.region,
        instanceType: values.type,
        ...(hours !== undefined ? { lifetimeHours: hours } : {}),
        ...(disk !== undefined ? { diskGiB: disk } : {}),
        ...(values.source ? { allowedCidr: values.source } : {}),
        ...(values['instance-profile'] ? { instanceProfile: values['instance-profile'] } : {}),
        ...(values['read-bucket']?.length ? { readBuckets: values['read-bucket'] } : {}),
        ...(values.ami ? { imageId: values.ami } : {}),
        ...(values['ssh-user'] ? { sshUser: values['ssh-user'] } : {}),
        ...(values.token ? { clientToken: values.token } : {}),
      });
      print(worker, () => out(`Launched ${worker.name} (${worker.id}, ${worker.instanceId}); it terminates itself at ${worker.deadline}.`));
      return 0;
    }
    case 'list': {
      const list = await client.call('ec2:list');
      print(list, () => {
        if (list.message) out(`warning: ${list.message}`);
        if (list.workers.length === 0) out('No EC2 workers.');
        for (const w of list.workers) out(row(w));
      });
      return list.workers.some((w) => w.overdue) ? 1 : 0;
    }
    case 'extend': {
      const hours = number(values.hours, '--hours');
      if (!target || hours === undefined) throw new UsageError('extend needs a WORKER_ID and --hours.');
      const worker = await client.call('ec2:extend', { workerId: target, hours });
      print(worker, () => out(`${worker.name} now terminates itself at ${worker.deadline}.`));
      return 0;
    }
    case 'terminate': {
      if (!target) throw new UsageError('terminate needs a WORKER_ID.');
      if (!values.yes) throw new UsageError(`Terminating ${target} loses everything on it; add --yes to confirm.`);
      const terminated = await client.call('ec2:terminate', { workerId: target });
      if (!values.json) out(`${terminated.name} is ${terminated.state}; its security group is deleted once the instance is gone (this may take a minute).`);
      // This process ends next, so the deletion terminate started in the background is waited for here.
      await ec2.workers.groupsReleased();
      const left = (await ec2.workers.get(terminated.id)).message;
      const worker = { ...terminated, ...(left ? { message: left } : {}) };
      print(worker, () => (left ? out(`warning: ${left}`) : out('Done.')));
      return left ? 1 : 0;
    }
    case 'trust': {
      if (!target || !values.fingerprint) throw new UsageError('trust needs the worker\'s NAME and --fingerprint SHA256:... (the one its connection error showed, checked with the host\'s owner).');
      if (!/^SHA256:[A-Za-z0-9+/]{43}$/.test(values.fingerprint)) {
        throw new UsageError(`--fingerprint takes a key's SHA256 fingerprint as ssh-keygen -l prints it (SHA256: and 43 characters), not "${printable(values.fingerprint)}".`);
      }
      const worker = await findWorker(client, target);
      const trusted = await client.call('workers:trust-host-key', { workerId: worker.id, fingerprint: values.fingerprint });
      print(trusted, () => out(`The host key ${values.fingerprint} of ${printable(trusted.name)} is trusted; ${trusted.state === 'connected' ? 'connected' : trusted.state}.`));
      return 0;
    }
    default:
      throw new UsageError(verb ? `Unknown worker command "${printable(verb)}".` : 'worker needs a command.');
  }
}
