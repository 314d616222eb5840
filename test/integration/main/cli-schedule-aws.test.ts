import { join, resolve } from 'node:path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { cliWithScheduleBuckets } from '../../fixtures/aws-schedule-cli.ts';
import { useMoto } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

describe('workbench schedule on AWS (moto): instance type and disk, and delete with or without its resources', () => {
  const moto = useMoto();
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  afterAll(() => {
    for (const c of clients) c.destroy();
  });

  it('creates with --instance-type and --disk, keeps the role and code on a plain delete, removes them with --remove-aws-resources', async () => {
    const root = await useTempDir('cli-schedule-aws');
    const { s3: bucketClient, cli } = await cliWithScheduleBuckets(root, moto);
    const s3 = client(bucketClient);
    const tarball = join(root, 'os.tar.gz');
    expect((await cli('pack', resolve('resources/examples/os-distribution'), '-o', tarball)).code).toBe(0);

    const bad = await cli('schedule', 'create', 'os-daily', '--backend', 'aws', '--tarball', tarball, '--frequency', 'daily', '--instance-type', 'x1.tiny');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/instanceType: an instance type from the table \(t3\.medium, /);
    const created = await cli('schedule', 'create', 'os-daily', '--backend', 'aws', '--tarball', tarball, '--frequency', 'daily', '--instance-type', 'c6i.2xlarge', '--disk', '50');
    expect(created.code, created.stderr).toBe(0);
    const scheduler = client(new SchedulerClient(moto.clientConfig()));
    const made = await scheduler.send(new GetScheduleCommand({ Name: 'os-daily', GroupName: 'analysis-workbench' }));
    expect(JSON.parse(made.Target?.Input ?? '{}')).toMatchObject({ InstanceType: 'c6i.2xlarge', BlockDeviceMappings: [{ Ebs: { VolumeSize: 50, DeleteOnTermination: true } }] });

    const iam = client(new IAMClient(moto.clientConfig()));
    const code = async () => (await s3.send(new ListObjectsV2Command({ Bucket: 'wb-code', Prefix: 'os-daily/' }))).KeyCount ?? 0;
    const alarms = async () => (await client(new CloudWatchClient(moto.clientConfig())).send(new DescribeAlarmsCommand({ AlarmNames: ['analysis-workbench-os-daily'] }))).MetricAlarms ?? [];
    expect(await alarms()).toHaveLength(1);
    const plain = await cli('schedule', 'delete', 'os-daily', '--yes');
    expect(plain.stdout.trim()).toBe('Deleted os-daily.');
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'os-daily', GroupName: 'analysis-workbench' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await alarms()).toEqual([]);
    await expect(iam.send(new GetRoleCommand({ RoleName: 'wb-os-daily' }))).resolves.toBeTruthy();
    expect(await code()).toBe(2);

    expect((await cli('schedule', 'create', 'os-daily', '--backend', 'aws', '--tarball', tarball, '--frequency', 'daily')).code).toBe(0);
    const all = await cli('schedule', 'delete', 'os-daily', '--yes', '--remove-aws-resources');
    expect(all.stdout.trim()).toBe('Deleted os-daily with its role, instance profile and code in S3.');
    await expect(iam.send(new GetRoleCommand({ RoleName: 'wb-os-daily' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(await code()).toBe(0);
  });
});
