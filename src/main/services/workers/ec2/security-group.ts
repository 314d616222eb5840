import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { APP_TAG_VALUE } from './tags.ts';

/** The group's name says what it allows, so the same source reuses the same group. */
export function securityGroupName(cidr: string): string {
  return `analysis-workbench-ssh-${cidr}`;
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
          TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'app', Value: APP_TAG_VALUE }] }],
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
