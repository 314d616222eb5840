import { join, resolve } from 'node:path';
import { DescribeKeyPairsCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EMRClient, ListClustersCommand, RunJobFlowCommand, type Cluster as EmrCluster } from '@aws-sdk/client-emr';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { useMoto } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { awsEnv, TEST_CIDR } from './services/workers/ec2/harness.ts';

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };
const HOUR = 3_600_000;

describe('workbench cluster (EMR + EventBridge Scheduler, against moto)', () => {
  const moto = useMoto();
  let data: string[];

  beforeEach(async () => {
    await moto.reset();
    const root = await useTempDir('cli-cluster');
    const env = await awsEnv(root, moto);
    for (const name of ['AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL', 'WORKBENCH_LOOPBACK_ONLY'] as const) vi.stubEnv(name, env[name]);
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'] as const) vi.stubEnv(name, undefined);
    data = ['--data-dir', join(root, 'app')];
    return () => vi.unstubAllEnvs();
  });

  async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
    return { code, lines };
  }

  async function listJson(): Promise<{ clusters: { id: string; clusterId?: string; name: string; state: string; deadline: string; launchedAt: string; adopted: boolean; coreNodes: number; hourlyUsd: number }[] }> {
    return JSON.parse((await cli(['cluster', 'list', '--json', ...data])).lines.join('\n')) as never;
  }

  async function describe(clusterId: string): Promise<EmrCluster> {
    const emr = new EMRClient(moto.clientConfig());
    try {
      return (await emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster ?? {};
    } finally {
      emr.destroy();
    }
  }

  async function schedule(id: string) {
    const scheduler = new SchedulerClient(moto.clientConfig());
    try {
      return await scheduler.send(new GetScheduleCommand({ Name: `deadline-${id}`, GroupName: 'analysis-workbench-clusters' }));
    } finally {
      scheduler.destroy();
    }
  }

  const tag = (c: EmrCluster, key: string) => c.Tags?.find((t) => t.Key === key)?.Value;
  const launchArgs = (name: string, ...more: string[]) => ['cluster', 'launch', name, '--core-nodes', '2', '--instance-type', 'm6i.xlarge', '--hours', '3', '--region', 'us-east-1', '--source', TEST_CIDR, ...more, ...data];

  it('launch makes the tagged Spark cluster and the at() schedule that terminates exactly it; a retry makes no second', async () => {
    const dry = await cli(launchArgs('spark-1', '--dry-run'));
    // 3 nodes x (0.192 EC2 + 0.048 EMR) = 0.72 per hour, 2.16 for 3 hours.
    expect(dry.lines).toEqual(['Cost: $0.72 per hour (3 nodes), $2.16 for 3 h.']);
    const emr = new EMRClient(moto.clientConfig());
    expect((await emr.send(new ListClustersCommand({}))).Clusters ?? []).toEqual([]);

    const before = Date.now();
    const launched = await cli(launchArgs('spark-1'));
    expect(launched.code).toBe(0);
    const match = /^Launched spark-1 \((emr-[a-z0-9]{8}), (j-[A-Z0-9]+), emr-7\.\d+\.\d+\); AWS terminates it at (\S+)\.$/.exec(launched.lines[0] ?? '');
    expect(match, launched.lines.join('\n')).not.toBeNull();
    const [, id = '', clusterId = '', deadline = ''] = match ?? [];
    expect(launched.lines[1]).toBe('Cost: $0.72 per hour (3 nodes), $2.16 for 3 h.');
    expect(Date.parse(deadline) - before).toBeGreaterThan(3 * HOUR - 5_000);
    expect(Date.parse(deadline) - before).toBeLessThan(3 * HOUR + 5_000);

    const cluster = await describe(clusterId);
    const sts = new STSClient(moto.clientConfig());
    const me = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
    sts.destroy();
    expect(tag(cluster, 'app')).toBe('analysis-workbench');
    expect(tag(cluster, 'owner')).toBe(me);
    expect(tag(cluster, 'Name')).toBe('spark-1');
    expect(tag(cluster, 'deadline')).toBe(deadline);
    expect(cluster.ReleaseLabel).toMatch(/^emr-7\./);
    expect(cluster.Applications?.map((a) => a.Name)).toContain('Spark');
    expect(cluster.Configurations).toEqual([{ Classification: 'spark-env', Configurations: [{ Classification: 'export', Properties: { PYSPARK_PYTHON: '/usr/bin/python3.11' } }] }]);
    expect(cluster.AutoTerminate).toBe(false);
    expect(cluster.Ec2InstanceAttributes?.Ec2KeyName).toBe(`analysis-workbench-${id}`);
    const ec2 = new EC2Client(moto.clientConfig());
    const keys = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: [`analysis-workbench-${id}`] }));
    expect(keys.KeyPairs?.[0]?.KeyType).toBe('ed25519');
    const groups = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`analysis-workbench-ssh-${TEST_CIDR}`] }] }));
    expect(groups.SecurityGroups?.[0]?.IpPermissions?.[0]?.IpRanges?.map((r) => r.CidrIp)).toEqual([TEST_CIDR]);
    expect(cluster.Ec2InstanceAttributes?.AdditionalMasterSecurityGroups).toEqual([groups.SecurityGroups?.[0]?.GroupId]);
    ec2.destroy();

    const deadlineSchedule = await schedule(id);
    expect(deadlineSchedule.ScheduleExpression).toBe(`at(${deadline.slice(0, 19)})`);
    expect(deadlineSchedule.ScheduleExpressionTimezone).toBe('UTC');
    expect(deadlineSchedule.ActionAfterCompletion).toBe('DELETE');
    expect(deadlineSchedule.Target?.Arn).toBe('arn:aws:scheduler:::aws-sdk:emr:terminateJobFlows');
    expect(JSON.parse(deadlineSchedule.Target?.Input ?? '')).toEqual({ JobFlowIds: [clusterId] });
    // The role Scheduler assumes may terminate the app's tagged clusters and do nothing else.
    const iam = new IAMClient(moto.clientConfig());
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'analysis-workbench-cluster-deadline' }))).Role;
    expect(deadlineSchedule.Target?.RoleArn).toBe(role?.Arn);
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).toContain('scheduler.amazonaws.com');
    const policy = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'analysis-workbench-cluster-deadline', PolicyName: 'terminate-clusters-at-deadline' }))).PolicyDocument ?? '')) as {
      Statement: { Action: string; Condition: unknown }[];
    };
    iam.destroy();
    expect(policy.Statement).toEqual([expect.objectContaining({ Action: 'elasticmapreduce:TerminateJobFlows', Condition: { StringEquals: { 'elasticmapreduce:ResourceTag/app': 'analysis-workbench' } } })]);

    // The same launch again (a retry): the same cluster, no second one.
    const again = await cli(launchArgs('spark-1'));
    expect(again.lines[0]).toContain(`(${id}, ${clusterId},`);
    expect((await emr.send(new ListClustersCommand({}))).Clusters?.map((c) => c.Id)).toEqual([clusterId]);
    // From another data dir (the list lost): found in AWS by its tags, still no second cluster.
    const elsewhere = await cli([...launchArgs('spark-1').slice(0, -2), '--data-dir', `${data[1]}-other`]);
    expect(elsewhere.lines[0]).toContain(`(${id}, ${clusterId},`);
    const bigger = ['cluster', 'launch', 'spark-1', '--core-nodes', '5', ...launchArgs('spark-1').slice(5, -2), '--data-dir', `${data[1]}-third`];
    await expect(cli(bigger)).rejects.toThrow(/already a cluster named "spark-1" \(j-[A-Z0-9]+\) that differs in core nodes \(5, not 2\)/);
    expect((await emr.send(new ListClustersCommand({}))).Clusters?.map((c) => c.Id)).toEqual([clusterId]);
    emr.destroy();

    const listed = await cli(['cluster', 'list', ...data]);
    expect(listed.lines).toEqual([expect.stringMatching(new RegExp(`^${id}  spark-1 +${clusterId} +(STARTING|BOOTSTRAPPING|RUNNING|WAITING) +1\\+2 m6i\\.xlarge +us-east-1 +until \\S+ \\S+Z  (2h59m|3h00m) left +\\$0\\.00 so far, \\$0\\.72/h$`))]);
  });

  it('extend moves the schedule and the deadline tag, and refuses past 24 h naming the latest possible', async () => {
    await cli(launchArgs('spark-2'));
    const [launched] = (await listJson()).clusters;
    if (!launched?.clusterId) throw new Error('no cluster launched');
    const extended = await cli(['cluster', 'extend', launched.id, '--hours', '2', ...data]);
    const wanted = new Date(Date.parse(launched.deadline) + 2 * HOUR).toISOString();
    expect(extended.lines).toEqual([`AWS now terminates spark-2 at ${wanted} (the latest possible is ${new Date(Date.parse(launched.launchedAt) + 24 * HOUR).toISOString()}).`]);
    expect((await schedule(launched.id)).ScheduleExpression).toBe(`at(${wanted.slice(0, 19)})`);
    expect(JSON.parse((await schedule(launched.id)).Target?.Input ?? '')).toEqual({ JobFlowIds: [launched.clusterId] });
    expect(tag(await describe(launched.clusterId), 'deadline')).toBe(wanted);

    // 5 h used of 24: 19 more is the limit, 20 is refused and nothing moves.
    const latest = new Date(Date.parse(launched.launchedAt) + 24 * HOUR).toISOString();
    await expect(cli(['cluster', 'extend', launched.clusterId, '--hours', '20', ...data])).rejects.toThrow(
      new RegExp(`spark-2 cannot live past ${latest.replace(/\./g, '\\.')} \\(24 hours after its launch\\); the most it can be extended by is 19 h 00 min`),
    );
    expect((await schedule(launched.id)).ScheduleExpression).toBe(`at(${wanted.slice(0, 19)})`);
    expect(tag(await describe(launched.clusterId), 'deadline')).toBe(wanted);
  });

  it('terminate ends the cluster and deletes its schedule, key pair and security group', async () => {
    await cli(launchArgs('spark-3'));
    const [launched] = (await listJson()).clusters;
    if (!launched?.clusterId) throw new Error('no cluster launched');
    await expect(cli(['cluster', 'terminate', 'spark-3', ...data])).rejects.toThrow(/add --yes to confirm/);
    const terminated = await cli(['cluster', 'terminate', 'spark-3', '--yes', ...data]);
    expect(terminated.lines).toEqual([expect.stringMatching(/^spark-3 is TERMINAT(ING|ED); its deadline schedule and key are deleted/), 'Done.']);
    expect(terminated.code).toBe(0);
    expect((await describe(launched.clusterId)).Status?.State).toMatch(/^TERMINAT(ING|ED)$/);
    await expect(schedule(launched.id)).rejects.toThrow(/not|exist/i);
    const ec2 = new EC2Client(moto.clientConfig());
    expect((await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [`analysis-workbench-${launched.id}`] }] }))).KeyPairs).toEqual([]);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [`analysis-workbench-ssh-${TEST_CIDR}`] }] }))).SecurityGroups).toEqual([]);
    ec2.destroy();
    expect((await listJson()).clusters.map((c) => [c.id, c.state])).toEqual([[launched.id, expect.stringMatching(/^TERMINAT/)]]);
  });

  it('list adopts a tagged cluster another app created', async () => {
    const sts = new STSClient(moto.clientConfig());
    const me = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
    sts.destroy();
    const deadline = new Date(Date.now() + 4 * HOUR).toISOString();
    const emr = new EMRClient(moto.clientConfig());
    const made = await emr.send(
      new RunJobFlowCommand({
        Name: 'made-elsewhere',
        ReleaseLabel: 'emr-7.5.0',
        Applications: [{ Name: 'Spark' }],
        Instances: {
          InstanceGroups: [
            { InstanceRole: 'MASTER', InstanceType: 'r6i.xlarge', InstanceCount: 1 },
            { InstanceRole: 'CORE', InstanceType: 'r6i.xlarge', InstanceCount: 3 },
          ],
          KeepJobFlowAliveWhenNoSteps: true,
        },
        ServiceRole: 'EMR_DefaultRole',
        JobFlowRole: 'EMR_EC2_DefaultRole',
        Tags: [
          { Key: 'app', Value: 'analysis-workbench' },
          { Key: 'owner', Value: me },
          { Key: 'Name', Value: 'made-elsewhere' },
          { Key: 'deadline', Value: deadline },
        ],
      }),
    );
    // Someone else's cluster (no app tag) is left alone.
    await emr.send(new RunJobFlowCommand({ Name: 'not-ours', ReleaseLabel: 'emr-7.5.0', Instances: { InstanceGroups: [{ InstanceRole: 'MASTER', InstanceType: 'm6i.large', InstanceCount: 1 }], KeepJobFlowAliveWhenNoSteps: true }, ServiceRole: 'EMR_DefaultRole', JobFlowRole: 'EMR_EC2_DefaultRole' }));
    emr.destroy();
    const { clusters } = await listJson();
    expect(clusters).toEqual([expect.objectContaining({ clusterId: made.JobFlowId, name: 'made-elsewhere', adopted: true, deadline, coreNodes: 3, hourlyUsd: 4 * (0.252 + 0.063) })]);
    const listed = await cli(['cluster', 'list', ...data]);
    expect(listed.lines[0]).toMatch(/made-elsewhere .* 1\+3 r6i\.xlarge .* \$1\.26\/h {2}adopted$/);
  });

  it('bad input is refused naming what to fix, before anything is made in AWS', async () => {
    const launch = (name: string, ...change: string[]) => {
      const args = launchArgs(name);
      for (let i = 0; i < change.length; i += 2) args[args.indexOf(change[i] ?? '') + 1] = change[i + 1] ?? '';
      return cli(args);
    };
    await expect(launch('ok', '--hours', '0')).rejects.toThrow(/hours: at least 1 hour/);
    await expect(launch('ok', '--hours', '25')).rejects.toThrow(/hours: at most 24 hours: a cluster never lives longer/);
    // A negative number is written --core-nodes=-1 (else it reads as an option).
    await expect(cli(['cluster', 'launch', 'ok', '--core-nodes=-1', ...launchArgs('ok').slice(5)])).rejects.toThrow(/coreNodes: at least 0 core nodes/);
    await expect(launch('ok', '--source', '10.0.0.0/33')).rejects.toThrow(/allowedCidr: an IPv4 CIDR from \/8 to \/32/);
    await expect(launch('bad name')).rejects.toThrow(/name: a short name: letters, digits/);
    await expect(launch('ok', '--instance-type', 't3.medium')).rejects.toThrow(/instanceType: an instance type EMR runs on from the table \(m6i\.large, /);
    await expect(launch('ok', '--hours', 'soon')).rejects.toThrow(/--hours must be a number, not "soon"/);
    await expect(cli(['cluster', 'launch', 'ok', '--region', 'us-east-1', ...data])).rejects.toThrow(/launch needs a NAME, --core-nodes, --instance-type, --hours and --region/);
    await expect(cli(['cluster', 'extend', 'emr-nosuch00', '--hours', '1', ...data])).rejects.toThrow(/There is no cluster emr-nosuch00/);
    // No --source and the address may not be looked up here: the message says what to give.
    await expect(cli(launchArgs('ok').filter((a, i, all) => a !== '--source' && all[i - 1] !== '--source'))).rejects.toThrow(/give the allowed SSH source \(a CIDR such as 203\.0\.113\.7\/32\)/);
    expect(JSON.parse((await cli(['cluster', 'list', '--json', ...data])).lines.join('\n'))).toEqual({ clusters: [] });
    const emr = new EMRClient(moto.clientConfig());
    expect((await emr.send(new ListClustersCommand({}))).Clusters ?? []).toEqual([]);
    emr.destroy();
  });
});
