import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutBucketAclCommand, PutBucketPolicyCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsScheduleBackend } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { bucketExposure } from '../../../../../src/main/services/schedules/bucket-exposure.ts';
import { readRunSpec } from '../../../../../src/main/services/schedules/scheduled-user-data.ts';
import { Schedule } from '../../../../../src/shared/schedule.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';

const run = promisify(execFile);
const WORKER_DIR = join(process.cwd(), 'resources', 'worker');
const BUCKETS = { code: 'wb-code', private: 'wb-private', public: 'wb-public' };

/** A policy that lets anyone read the bucket's objects. */
function publicRead(bucket: string): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'PublicRead', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] });
}

describe('which buckets anyone can read, and AWS schedules that would leak (moto)', () => {
  const moto = useMoto();
  let s3: S3Client;
  let backend: AwsScheduleBackend;
  let tarball: string;
  afterAll(() => s3?.destroy());

  beforeEach(async () => {
    await moto.reset();
    s3 ??= new S3Client(moto.clientConfig());
    for (const bucket of Object.values(BUCKETS)) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const dir = await useTempDir('bucket-exposure');
    await mkdir(join(dir, 'pkg'));
    await writeFile(join(dir, 'pkg', 'run.sh'), 'mkdir -p output\necho "os,n" > output/os.csv\n');
    tarball = join(dir, 'job.tar.gz');
    await run('tar', ['-czf', tarball, '-C', join(dir, 'pkg'), '.']);
    backend = new AwsScheduleBackend({
      clients: motoScheduleClients(moto),
      buckets: async () => BUCKETS,
      workerDir: WORKER_DIR,
    });
  });

  const job = (visibility: 'public' | 'private') => Schedule.parse({ name: 'daily-os', tarball, frequency: { kind: 'daily' }, backend: 'aws', visibility });

  it('tells a public policy or ACL from one that Block Public Access stops', async () => {
    expect(await bucketExposure(s3, 'wb-public')).toEqual({ bucket: 'wb-public', public: false, findings: ['Block Public Access is off'] });

    await s3.send(new PutBucketPolicyCommand({ Bucket: 'wb-public', Policy: publicRead('wb-public') }));
    expect(await bucketExposure(s3, 'wb-public')).toMatchObject({ public: true, findings: ['Block Public Access is off', 'its policy lets anyone read objects'] });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'wb-public', PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    expect(await bucketExposure(s3, 'wb-public')).toMatchObject({ public: false, findings: ['Block Public Access has RestrictPublicBuckets on', 'its policy lets anyone read objects, but RestrictPublicBuckets stops it'] });

    await s3.send(new PutBucketAclCommand({ Bucket: 'wb-private', ACL: 'public-read' }));
    expect(await bucketExposure(s3, 'wb-private')).toMatchObject({ public: true, findings: ['Block Public Access is off', 'its ACL grants everyone read'] });
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'wb-private', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    expect(await bucketExposure(s3, 'wb-private')).toMatchObject({ public: false, findings: ['Block Public Access is fully on', 'its ACL grants everyone read, but IgnorePublicAcls stops it'] });
  });

  it("says what a public job's links look like and that its bucket is not public yet", async () => {
    const check = await backend.bucketCheck(job('public'));
    expect(check).toMatchObject({ data: { bucket: 'wb-public', public: false }, records: { bucket: 'wb-private', public: false }, link: 'https://wb-public.s3.us-east-1.amazonaws.com/daily-os/data/FILE' });
    expect(check.problem).toBeUndefined();
  });

  it('refuses a private job whose bucket anyone can read, and a public job whose log would go to such a bucket; nothing is made', async () => {
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'wb-private', Policy: publicRead('wb-private') }));
    const refused = /^wb-private is readable by anyone \(Block Public Access is off; its policy lets anyone read objects\), so this private job's output, log and run records would be public\. Turn on Block Public Access for it, or choose a private bucket in Settings\.$/;
    expect((await backend.bucketCheck(job('private'))).problem).toMatch(refused);
    await expect(backend.deploy(job('private'), tarball)).rejects.toThrow(refused);
    await expect(backend.deploy(job('public'), tarball)).rejects.toThrow(/wb-private is readable by anyone .* so this public job's log and run records would be public/);
    const scheduler = new SchedulerClient(moto.clientConfig());
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'daily-os', GroupName: 'analysis-workbench' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    scheduler.destroy();
  });

  it("sends a public job's log and records to the private bucket: the run it schedules is told so", async () => {
    await backend.deploy(job('public'), tarball);
    const scheduler = new SchedulerClient(moto.clientConfig());
    const target = (await scheduler.send(new GetScheduleCommand({ Name: 'daily-os', GroupName: 'analysis-workbench' }))).Target!;
    scheduler.destroy();
    const input = JSON.parse(target.Input!) as { UserData: string };
    const spec = readRunSpec(Buffer.from(input.UserData, 'base64').toString('utf8'));
    expect(spec).toMatchObject({ publish: 's3://wb-public/daily-os', records: 's3://wb-private/daily-os', visibility: 'public' });
  });
});
