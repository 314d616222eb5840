import { DescribeInstancesCommand, EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../credentials/aws-clients.ts';
import type { CredentialsService } from '../../credentials/credentials-service.ts';
import { APP_TAG_VALUE, TAG } from './tags.ts';

/** Makes the EC2 client for a region and profile; tests wrap it (to simulate a crash, say). */
export type Ec2ClientFactory = (region: string, profile: string) => Promise<EC2Client>;

export function defaultEc2Clients(credentials: CredentialsService, env: NodeJS.ProcessEnv = process.env): Ec2ClientFactory {
  // A new provider per client: credentials refreshed on disk are used at the next call.
  return async (region, profile) => new EC2Client(awsClientConfig(region, await credentials.provider(profile), env));
}

/** Every instance of this app and owner in the client's region (all states), following pages. */
export async function describeWorkerInstances(ec2: EC2Client, owner: string, extra: { workerId?: string } = {}): Promise<Instance[]> {
  const filters = [
    { Name: `tag:${TAG.app}`, Values: [APP_TAG_VALUE] },
    { Name: `tag:${TAG.owner}`, Values: [owner] },
    ...(extra.workerId ? [{ Name: `tag:${TAG.workerId}`, Values: [extra.workerId] }] : []),
  ];
  const instances: Instance[] = [];
  let token: string | undefined;
  do {
    const page = await ec2.send(new DescribeInstancesCommand({ Filters: filters, ...(token ? { NextToken: token } : {}) }));
    for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
    token = page.NextToken;
  } while (token);
  return instances;
}

/** The address to reach it at: the IP (no DNS lookup needed), else the public name. */
export function instanceAddress(instance: Instance): string | undefined {
  return instance.PublicIpAddress || instance.PublicDnsName || undefined;
}
