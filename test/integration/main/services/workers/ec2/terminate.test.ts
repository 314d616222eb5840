import { CreateSecurityGroupCommand, DeleteSecurityGroupCommand, DescribeInstancesCommand, DescribeSecurityGroupsCommand, type DescribeInstancesCommandOutput, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ec2DomainOptions } from '../../../../../../src/main/domains/ec2.ts';
import { startMoto, type Moto } from '../../../../../fixtures/moto.ts';
import { useTempDir } from '../../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, TEST_CIDR, type Harness } from './harness.ts';

const GROUP = `analysis-workbench-ssh-${TEST_CIDR}`;

describe('terminating EC2 workers against moto: the security group goes with the last of them', () => {
  let moto: Moto;
  let env: NodeJS.ProcessEnv;
  let dataDir: string;
  let client: EC2Client;
  const opened: Harness[] = [];

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
    dataDir = await useTempDir('ec2-terminate');
    env = await awsEnv(dataDir, moto);
    const h = open();
    client = h.client();
    return () => {
      for (const each of opened.splice(0)) each.close();
      client.destroy();
    };
  });

  function open(overrides: Ec2DomainOptions['overrides'] = {}): Harness {
    const h = harness(dataDir, moto, env, overrides);
    opened.push(h);
    return h;
  }

  async function groupNamed(name: string) {
    const answer = await client.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [name] }] }));
    return answer.SecurityGroups ?? [];
  }

  const launch = (h: Harness, name: string) => h.ec2.workers.launch({ name, region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });

  it('keeps the group while another worker uses it, and deletes it with the last one', async () => {
    const h = opened[0]!;
    const a = await launch(h, 'first');
    const b = await launch(h, 'second');
    expect(await groupNamed(GROUP)).toHaveLength(1);

    await h.ec2.workers.terminate(a.id);
    await h.ec2.workers.groupsReleased();
    expect(await groupNamed(GROUP)).toHaveLength(1);
    expect((await h.ec2.workers.get(a.id)).message).toBeUndefined();

    await h.ec2.workers.terminate(b.id);
    await h.ec2.workers.groupsReleased();
    expect(await groupNamed(GROUP)).toEqual([]);
    expect((await h.ec2.workers.get(b.id)).message).toBeUndefined();

    // The next launch makes the group again.
    await launch(h, 'third');
    expect(await groupNamed(GROUP)).toHaveLength(1);
  });

  it('never deletes a group of that name the app did not make (it has no app tag)', async () => {
    const h = opened[0]!;
    await client.send(new CreateSecurityGroupCommand({ GroupName: GROUP, Description: 'made by hand' }));
    const worker = await launch(h, 'guest');
    await h.ec2.workers.terminate(worker.id);
    await h.ec2.workers.groupsReleased();
    expect(await groupNamed(GROUP)).toHaveLength(1);
  });

  it('waits for the instance to be terminated and retries while AWS still sees a dependency', async () => {
    const calls = { shuttingDown: 0, deletes: 0 };
    const slow = open({
      groupRelease: { waitMs: 10_000, pollMs: 10 },
      ec2: async (region, profile) => {
        const real = await opened[0]!.ec2.workers.ec2(region, profile);
        const send = real.send.bind(real) as (command: unknown) => Promise<unknown>;
        real.send = (async (command: unknown) => {
          // As on AWS: the instance shuts down for a while, then its interface lingers a little.
          if (command instanceof DeleteSecurityGroupCommand && ++calls.deletes <= 2) {
            throw Object.assign(new Error(`resource ${command.input.GroupId} has a dependent object`), { name: 'DependencyViolation' });
          }
          const answer = await send(command);
          if (command instanceof DescribeInstancesCommand && command.input.InstanceIds && calls.shuttingDown < 3) {
            const instance = (answer as DescribeInstancesCommandOutput).Reservations?.[0]?.Instances?.[0];
            if (instance?.State?.Name === 'terminated') {
              calls.shuttingDown++;
              instance.State = { Name: 'shutting-down', Code: 32 };
            }
          }
          return answer;
        }) as typeof real.send;
        return real;
      },
    });
    const worker = await launch(slow, 'slow');
    await slow.ec2.workers.terminate(worker.id);
    await slow.ec2.workers.groupsReleased();
    expect(calls).toEqual({ shuttingDown: 3, deletes: 3 });
    expect(await groupNamed(GROUP)).toEqual([]);
  });

  it('gives up after the bounded wait and names the group left behind', async () => {
    const stuck = open({
      groupRelease: { waitMs: 300, pollMs: 20 },
      ec2: async (region, profile) => {
        const real = await opened[0]!.ec2.workers.ec2(region, profile);
        const send = real.send.bind(real) as (command: unknown) => Promise<unknown>;
        real.send = (async (command: unknown) => {
          if (command instanceof DeleteSecurityGroupCommand) {
            throw Object.assign(new Error(`resource ${command.input.GroupId} has a dependent object`), { name: 'DependencyViolation' });
          }
          return send(command);
        }) as typeof real.send;
        return real;
      },
    });
    const worker = await launch(stuck, 'stuck');
    await stuck.ec2.workers.terminate(worker.id);
    const started = Date.now();
    await stuck.ec2.workers.groupsReleased();
    expect(Date.now() - started).toBeLessThan(5_000);
    const [group] = await groupNamed(GROUP);
    expect(group?.GroupId).toMatch(/^sg-/);
    expect((await stuck.ec2.workers.get(worker.id)).message).toBe(
      `Its security group ${group?.GroupId} (DependencyViolation: resource ${group?.GroupId} has a dependent object) was not deleted; delete it in the EC2 console (us-east-1) once no instance uses it.`,
    );
  });
});
