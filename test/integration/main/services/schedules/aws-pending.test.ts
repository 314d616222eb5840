import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsScheduleBackend } from '../../../../../src/main/services/schedules/aws-backend.ts';
import { ScheduleService } from '../../../../../src/main/services/schedules/schedule-service.ts';
import { ScheduleStore } from '../../../../../src/main/services/schedules/schedule-store.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import { useMoto } from '../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { motoScheduleClients } from '../../../../fixtures/moto-schedule-clients.ts';

const run = promisify(execFile);
const BUCKETS = { code: 'wb-code', private: 'wb-private', public: 'wb-public' };

describe('AWS history shows a run from the moment its instance is launched (moto)', () => {
  const moto = useMoto();
  let service: ScheduleService;
  let tarball: string;

  beforeEach(async () => {
    await moto.reset();
    const s3 = new S3Client(moto.clientConfig());
    for (const bucket of Object.values(BUCKETS)) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
    const dir = await useTempDir('aws-pending');
    await mkdir(join(dir, 'pkg'));
    await writeFile(join(dir, 'pkg', 'run.sh'), 'mkdir -p output\necho "os,n" > output/os.csv\n');
    tarball = join(dir, 'job.tar.gz');
    await run('tar', ['-czf', tarball, '-C', join(dir, 'pkg'), '.']);
    const store = new ScheduleStore(new DocumentStore(join(dir, 'app')));
    const backend = new AwsScheduleBackend({
      clients: motoScheduleClients(moto),
      buckets: async () => BUCKETS,
      workerDir: join(process.cwd(), 'resources', 'worker'),
      lookup: (name) => store.get(name),
    });
    service = new ScheduleService({ store, backend: async () => backend });
  });

  it('lists a run started now as running on its instance, then only as its record says once it has one', async () => {
    await service.create({ name: 'daily-os', tarball, frequency: { kind: 'daily' }, backend: 'aws', startDate: '2099-01-01' });
    expect(await service.history('daily-os')).toEqual([]);
    const runId = await service.runNow('daily-os');

    const [going, ...rest] = await service.history('daily-os');
    expect(rest).toEqual([]);
    expect(going).toMatchObject({ status: 'running', runId, scheduledFor: null, endedAt: null });
    expect(going?.message).toMatch(/^(Starting: instance i-[0-9a-f]+ \(m6i\.large\) is booting|Running on instance i-[0-9a-f]+ \(m6i\.large\))\.$/);
    expect(Math.abs(Date.parse(going!.startedAt!) - Date.now())).toBeLessThan(5 * 60_000);

    // The run's record arrives (run-job.sh writes it last): the row is the record's, not a second one.
    const record = {
      version: 1, job: 'daily-os', runId, scheduledFor: null, startedAt: going!.startedAt, endedAt: new Date().toISOString(), exitCode: 0, timedOut: false,
      status: 'succeeded', filesPublished: 1, bytesPublished: 5, guardFindings: [], log: `daily-os/logs/${runId}.log.gz`, output: `daily-os/runs/${runId}/data/`, message: null,
    };
    const s3 = new S3Client(moto.clientConfig());
    await s3.send(new PutObjectCommand({ Bucket: 'wb-private', Key: `daily-os/runs/${runId}.json`, Body: JSON.stringify(record) }));
    s3.destroy();
    expect((await service.history('daily-os')).map((r) => [r.status, r.runId])).toEqual([['succeeded', runId]]);
  });
});
