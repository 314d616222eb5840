import { join, resolve } from 'node:path';
import { DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { useMoto } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { awsEnv, TEST_CIDR } from './services/workers/ec2/harness.ts';

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

describe('workbench worker (EC2, against moto)', () => {
  const moto = useMoto();
  let data: string[];

  beforeEach(async () => {
    await moto.reset();
    const root = await useTempDir('cli-worker');
    const env = await awsEnv(root, moto);
    for (const name of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL'] as const) vi.stubEnv(name, env[name]);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const) vi.stubEnv(name, undefined);
    data = ['--data-dir', join(root, 'app')];
    return () => vi.unstubAllEnvs();
  });

  async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
    return { code, lines };
  }

  it('launches, lists, extends (refused at the limit) and terminates', async () => {
    const launch = ['worker', 'launch', 'cli-1', '--region', 'us-east-1', '--type', 't3.medium', '--source', TEST_CIDR, '--token', 'cli-token-0001', ...data];
    const launched = await cli(launch);
    expect(launched.code).toBe(0);
    const id = /\((ec2-[a-z0-9]{8}), i-/.exec(launched.lines[0] ?? '')?.[1];
    expect(launched.lines[0]).toMatch(/^Launched cli-1 \(ec2-[a-z0-9]{8}, i-[0-9a-f]+\); it terminates itself at \d{4}-.*Z\.$/);
    expect((await cli(launch)).lines[0]).toContain(id);

    const listed = await cli(['worker', 'list', ...data]);
    expect(listed.code).toBe(0);
    expect(listed.lines).toHaveLength(1);
    expect(listed.lines[0]).toMatch(new RegExp(`^${id}  cli-1 +(pending|running) +\\d+\\.\\d+\\.\\d+\\.\\d+ +us-east-1 +(23h59m|24h00m) left +\\$0\\.00$`));
    const json = JSON.parse((await cli(['worker', 'list', '--json', ...data])).lines.join('\n')) as { workers: { id: string }[] };
    expect(json.workers.map((w) => w.id)).toEqual([id]);

    await expect(cli(['worker', 'extend', id ?? '', '--hours', '1', ...data])).rejects.toThrow(/cannot be extended further/);
    await expect(cli(['worker', 'terminate', id ?? '', ...data])).rejects.toThrow(/add --yes to confirm/);
    const terminated = await cli(['worker', 'terminate', id ?? '', '--yes', ...data]);
    expect(terminated.lines).toEqual([expect.stringMatching(/^cli-1 is (shutting-down|terminated); its security group is deleted once the instance is gone \(this may take a minute\)\.$/), 'Done.']);
    expect(terminated.code).toBe(0);
    // The process may end right after: the group was already deleted.
    const ec2 = new EC2Client(moto.clientConfig());
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`analysis-workbench-ssh-${TEST_CIDR}`] }] }));
    ec2.destroy();
    expect(groups.SecurityGroups).toEqual([]);
  });

  it('bad input gets a clear message naming what is wrong', async () => {
    const launch = (name: string, ...more: string[]) => cli(['worker', 'launch', name, '--region', 'us-east-1', '--type', 't3.medium', '--source', TEST_CIDR, ...more, ...data]);
    await expect(launch('bad name')).rejects.toThrow(/^ec2:launch: name: a short name: letters, digits/);
    await expect(launch('ok', '--hours', '25')).rejects.toThrow(/lifetimeHours: at most 24 hours: a worker never lives longer/);
    await expect(cli(['worker', 'launch', 'ok', '--region', 'mars-north-1', '--type', 't3.medium', '--source', TEST_CIDR, ...data])).rejects.toThrow(/region: an AWS region the workbench knows/);
    await expect(cli(['worker', 'launch', 'ok', '--region', 'us-east-1', '--type', 'x9.huge', '--source', TEST_CIDR, ...data])).rejects.toThrow(/instanceType: an instance type from the table \(t3\.medium, /);
    await expect(cli(['worker', 'extend', 'ec2-nosuch00', '--hours', '1', ...data])).rejects.toThrow(/There is no EC2 worker ec2-nosuch00/);
    await expect(cli(['worker', 'launch', 'ok', ...data])).rejects.toThrow(/launch needs a NAME, --region and --type/);
  });
});
