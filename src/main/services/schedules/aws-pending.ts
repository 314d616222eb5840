import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { HistoryRow } from '../../../shared/schedule-calls.ts';
import { TAGS } from './aws-names.ts';
import { rowWithoutRecord } from './missed-runs.ts';

/** The instance states of a run that has been launched and has not written its record yet. */
const GOING = ['pending', 'running', 'stopping', 'shutting-down'];

function tag(instance: Instance, key: string): string | undefined {
  return instance.Tags?.find((t) => t.Key === key)?.Value;
}

/** The run id an instance works under, as scheduled_run.py makes it from the same tags. */
export function runIdOf(instance: Instance): string {
  const scheduled = tag(instance, TAGS.scheduledFor);
  return tag(instance, TAGS.runId) ?? (scheduled ? scheduled.replace(/[^A-Za-z0-9.-]/g, '-') : (instance.InstanceId ?? 'unknown'));
}

function what(instance: Instance): string {
  const id = instance.InstanceId ?? 'an instance';
  switch (instance.State?.Name) {
    case 'pending':
      return `Starting: instance ${id} (${instance.InstanceType ?? 'EC2'}) is booting.`;
    case 'running':
      return `Running on instance ${id} (${instance.InstanceType ?? 'EC2'}).`;
    default:
      return `Instance ${id} is shutting down; its run record is being written.`;
  }
}

/**
 * A job's runs that are launched but not recorded yet, from its instances' tags: a run started
 * now (or by the timetable) is in the history as soon as EC2 has its instance, not only once
 * run-job.sh writes its record at the end.
 */
export async function launchedRuns(ec2: EC2Client, job: string, recorded: ReadonlySet<string>): Promise<HistoryRow[]> {
  const rows: HistoryRow[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${TAGS.job}`, Values: [job] },
          { Name: 'instance-state-name', Values: GOING },
        ],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      const runId = runIdOf(instance);
      if (recorded.has(runId)) continue;
      const scheduled = tag(instance, TAGS.scheduledFor);
      rows.push(
        rowWithoutRecord({
          status: 'running',
          runId,
          scheduledFor: scheduled && !Number.isNaN(Date.parse(scheduled)) ? new Date(scheduled).toISOString() : null,
          startedAt: instance.LaunchTime ? new Date(instance.LaunchTime).toISOString() : null,
          message: what(instance),
        }),
      );
    }
    token = page.NextToken;
  } while (token);
  return rows;
}
