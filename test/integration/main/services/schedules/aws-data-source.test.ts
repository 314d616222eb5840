import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetRolePolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsScheduleBackend } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { readRunSpec } from '../../../../../src/main/services/schedules/scheduled-user-data.ts';
import { Schedule } from '../../../../../src/shared/schedule.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const run = promisify(execFile);
const WORKER_DIR = join(process.cwd(), 'resources', 'worker');

describe('an AWS schedule whose data source is in S3 (moto S3, IAM, Scheduler)', () => {
  const moto = useMoto();
  const clients: { destroy(): void }[] = [];
  const client = <T extends { destroy(): void }>(c: T): T => (clients.push(c), c);
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  it('gives its runs the source as DATA_DIR and its role read-only access to exactly that prefix, as the IAM preview said', async () => {
    await moto.reset();
    const dir = await useTempDir('aws-data-source');
    const s3 = client(new S3Client(moto.clientConfig()));
    for (const bucket of ['wb-code', 'wb-private', 'telemetry']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const pkg = join(dir, 'pkg');
    await mkdir(pkg);
    await writeFile(join(pkg, 'run.sh'), '#!/bin/sh\nmkdir -p output\nls "$DATA_DIR" > output/seen.txt\n', { mode: 0o755 });
    const tarball = join(dir, 'job.tar.gz');
    await run('tar', ['-czf', tarball, '-C', pkg, '.']);
    const schedule = Schedule.parse({ name: 'july', tarball, frequency: { kind: 'daily' }, backend: 'aws', dataSource: 's3://telemetry/v2' });
    const backend = new AwsScheduleBackend({ clients: motoScheduleClients(moto), buckets: async () => ({ code: 'wb-code', private: 'wb-private' }), workerDir: WORKER_DIR, lookup: async () => schedule });

    const preview = await backend.permissions(schedule);
    await backend.deploy(schedule, tarball);

    const got = await client(new SchedulerClient(moto.clientConfig())).send(new GetScheduleCommand({ Name: 'july', GroupName: 'analysis-workbench' }));
    const input = JSON.parse(got.Target?.Input ?? '{}') as { UserData: string };
    expect(readRunSpec(Buffer.from(input.UserData, 'base64').toString('utf8'))).toMatchObject({ dataDir: 's3://telemetry/v2' });

    const iam = client(new IAMClient(moto.clientConfig()));
    const made = await iam.send(new GetRolePolicyCommand({ RoleName: preview.instanceRole.name, PolicyName: preview.instanceRole.policyName }));
    const policy = JSON.parse(decodeURIComponent(made.PolicyDocument ?? '{}')) as { Statement: Record<string, unknown>[] };
    expect(policy).toEqual(preview.instanceRole.policy);
    const onData = policy.Statement.filter((s) => JSON.stringify(s).includes(':::telemetry'));
    expect(onData).toEqual([
      { Sid: 'ReadDataObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::telemetry/v2/*'] },
      { Sid: 'ReadDataList', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::telemetry', Condition: { StringLike: { 's3:prefix': 'v2/*' } } },
    ]);
  }, 60_000);

  it('refuses a data source that is neither an absolute folder nor an S3 location, saying what to give', () => {
    const parsed = Schedule.safeParse({ name: 'july', tarball: '/x.tar.gz', frequency: { kind: 'daily' }, dataSource: 'data/telemetry' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/^an absolute folder path on the worker, or an S3 location such as s3:\/\/my-bucket\/telemetry/);
  });
});
