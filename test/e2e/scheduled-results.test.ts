/// <reference lib="dom" />
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

const run = promisify(execFile);
const moto = useMoto();
let root: string;
let app: string;
const s3Clients: S3Client[] = [];
const s3 = () => {
  const client = new S3Client(moto.clientConfig());
  s3Clients.push(client);
  return client;
};
/** The daily job's three runs in S3: Windows is missing from the second run's output. */
const AWS_RUNS = [
  ['2026-12-01T06-30-00Z', 'Linux\\t3\\nWindows\\t5\\n'],
  ['2026-12-02T06-30-00Z', 'Linux\\t4\\n'],
  ['2026-12-03T06-30-00Z', 'Linux\\t6\\nWindows\\t2\\n'],
] as const;

/** A package made with tar whose run.sh writes `rows` (printf format) under a header, logging progress lines. */
async function pack(name: string, rows: string, extra = ''): Promise<string> {
  const pkg = join(root, name);
  await mkdir(pkg, { recursive: true });
  const progress = (done: number) => `echo '@progress {"phase":"map","files_done":${done},"files_total":2,"elapsed_s":${done}}'`;
  await writeFile(
    join(pkg, 'run.sh'),
    `#!/bin/sh\nset -e\nmkdir -p output\n${progress(0)}\n${progress(1)}\n${progress(2)}\necho '@progress {"phase":"done"}'\nprintf '# os\\tcount\\n${rows}' > output/metrics.tsv\n${extra}\necho 'counted the systems'\n`,
    { mode: 0o755 },
  );
  const tarball = join(root, `${name}.tar.gz`);
  await run('tar', ['-czf', tarball, '-C', pkg, '.']);
  return tarball;
}

function awsEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${resolve('.venv/bin')}:${process.env['PATH'] ?? ''}`,
    AWS_CONFIG_FILE: join(app, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(app, 'aws-credentials'),
    AWS_ENDPOINT_URL: moto.endpoint,
    WORKBENCH_USER_SSH_CONFIG: join(app, 'user-ssh-config'),
  };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[name];
  return env;
}

const cli = (...args: string[]) => run(process.execPath, [resolve('bin/workbench.js'), ...args, '--data-dir', app], { env: awsEnv() });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'workbench-e2e-scheduled-results-'));
  app = join(root, 'app');
  await mkdir(app);
  await writeFile(join(app, 'aws-config'), '[default]\nregion = us-east-1\n');
  await writeFile(join(app, 'aws-credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
  await writeFile(join(app, 'user-ssh-config'), '');
  for (const bucket of ['wb-code', 'wb-private']) await s3().send(new CreateBucketCommand({ Bucket: bucket }));

  // With the command line, as a user would: the buckets, a daily job in AWS and a local one.
  await cli('call', 'settings:set', JSON.stringify({ privateBucket: 'wb-private', codeBucket: 'wb-code' }));
  const first = await pack('v1', AWS_RUNS[0][1]);
  await cli('call', 'schedules:create', JSON.stringify({ name: 'os-daily', tarball: first, frequency: { kind: 'daily' }, backend: 'aws' }));
  // Each run as the EC2 instance does it: run-job.sh publishing to the job's folder in the bucket.
  for (const [i, [runId, rows]] of AWS_RUNS.entries()) {
    const tarball = i === 0 ? first : await pack(`v${i + 1}`, rows);
    const scheduledFor = runId.replace(/T(\d\d)-(\d\d)-(\d\d)Z/, 'T$1:$2:$3Z');
    const argv = ['--job', 'os-daily', '--run-id', runId, '--code', tarball, '--command', './run.sh', '--output-dir', 'output', '--timeout-minutes', '5', '--publish', 's3://wb-private/os-daily', '--scheduled-for', scheduledFor];
    await run('sh', [resolve('resources/worker/run-job.sh'), ...argv], { env: { ...awsEnv(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' } });
  }
  // A run with a large output file, to stop its download halfway.
  const big = await pack('big', 'Linux\\t9\\n', 'head -c 100000000 /dev/zero > output/zz-padding.bin');
  await cli('call', 'schedules:create', JSON.stringify({ name: 'os-big', tarball: big, frequency: { kind: 'daily' }, backend: 'aws' }));
  const bigArgv = ['--job', 'os-big', '--run-id', 'big-1', '--code', big, '--command', './run.sh', '--output-dir', 'output', '--timeout-minutes', '5', '--publish', 's3://wb-private/os-big'];
  await run('sh', [resolve('resources/worker/run-job.sh'), ...bigArgv], { env: { ...awsEnv(), AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1' } });
  await cli('schedule', 'create', 'os-local', '--tarball', await pack('local', 'Linux\\t7\\nmacOS\\t1\\n'), '--frequency', 'daily', '--start', '2099-01-01');
  await cli('schedule', 'run-now', 'os-local');
}, 120_000);
afterAll(async () => {
  for (const c of s3Clients) c.destroy();
  if (root) await rm(root, { recursive: true, force: true });
});

const { workbench, page, problems } = useWorkbenchInChromium({ start: () => startMotoWorkbench(moto, app), page: { viewport: { width: 1400, height: 1100 } } });

/** The results:download-progress events the page received over its WebSocket. */
const progressEvents: { bytesDone: number; bytesTotal: number; filesDone: number; filesTotal: number; runId: string }[] = [];

async function storedBytes(prefix: string): Promise<Map<string, Buffer>> {
  const listing = await s3().send(new ListObjectsV2Command({ Bucket: 'wb-private', Prefix: prefix }));
  const files = new Map<string, Buffer>();
  for (const o of listing.Contents ?? []) {
    const answer = await s3().send(new GetObjectCommand({ Bucket: 'wb-private', Key: o.Key! }));
    files.set(o.Key!.slice(prefix.length), Buffer.from(await answer.Body!.transformToByteArray()));
  }
  return files;
}

describe('scheduled runs in Results (local schedule, and AWS runs published to S3 in moto)', () => {
  it('lists the scheduled runs, shows a local run as table and chart with a readable log', async () => {
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const message = JSON.parse(String(payload)) as { t: string; batch?: { topic: string; payload: (typeof progressEvents)[number] }[] };
        for (const event of message.batch ?? []) if (event.topic === 'results:download-progress') progressEvents.push(event.payload);
      }),
    );
    await page.goto(`${workbench.origin}/#/results`);
    const list = page.getByRole('list', { name: 'Scheduled runs' });
    await eventually(() => list.getByRole('listitem').count()).toBe(5);
    const entries = await list.getByRole('link').evaluateAll((links) => links.map((a) => `${a.getAttribute('data-job')} ${a.getAttribute('data-run-id')} ${a.textContent?.includes('in S3') ? 'in S3' : 'here'}`));
    // Newest first: the local run (just now), then the daily job's runs in S3.
    expect(entries).toEqual([expect.stringMatching(/^os-local \d{8}-\d{6}-[0-9a-f]{6} here$/), 'os-big big-1 in S3', ...[...AWS_RUNS].reverse().map(([id]) => `os-daily ${id} in S3`)]);

    await list.locator('a[data-job="os-local"]').click();
    const results = page.getByRole('region', { name: 'Results' });
    const table = results.getByRole('table', { name: 'Output of os-local' });
    await eventually(() => table.locator('tbody tr').count()).toBe(2);
    expect(await table.locator('thead th').allTextContents()).toEqual([expect.stringMatching(/^os/), expect.stringMatching(/^count/)]);
    expect(await table.locator('tbody tr').first().locator('td').allTextContents()).toEqual(['Linux', '7']);
    expect(await results.getByRole('img').getAttribute('aria-label')).toMatch(/count/);

    await page.locator('details.scheduled-log summary').click();
    const log = page.getByLabel(/^Log of run /);
    await eventually(() => log.textContent()).toContain('counted the systems');
    const text = (await log.textContent()) ?? '';
    expect(text).not.toContain('@progress');
    expect(text).toMatch(/Map 100%: 2 of 2 files/);
    await screenshot(page, 'scheduled-results-local');
    expect(problems).toEqual([]);
  });

  it('downloads an S3 run with progress up to its total, shows its table, and charts one value across the job\'s runs', async () => {
    const [, , [newest]] = AWS_RUNS;
    await page.locator(`a[data-job="os-daily"][data-run-id="${newest}"]`).click();
    const table = page.getByRole('region', { name: 'Results' }).getByRole('table', { name: 'Output of os-daily' });
    await eventually(() => table.locator('tbody tr').count()).toBe(2);
    expect(await table.locator('tbody tr td').allTextContents()).toEqual(['Linux', '6', 'Windows', '2']);

    // The download's progress reached its total, and the files here are the bytes in S3.
    const stored = await storedBytes(`os-daily/runs/${newest}/data/`);
    const total = [...stored.values()].reduce((sum, b) => sum + b.length, 0);
    const mine = progressEvents.filter((p) => p.runId === newest);
    expect(mine.at(-1)).toMatchObject({ bytesDone: total, bytesTotal: total, filesDone: stored.size, filesTotal: stored.size });
    for (const [name, bytes] of stored) expect(await readFile(join(app, 'results', 'scheduled', 'os-daily', newest, name))).toEqual(bytes);
    expect(await page.locator('.scheduled-run').textContent()).toContain(`downloaded to ${join(app, 'results', 'scheduled', 'os-daily', newest)}`);

    // History: the other two runs are still in S3; downloaded, each run is a point.
    const history = page.getByRole('region', { name: 'History of os-daily' });
    await history.getByRole('button', { name: 'Download them' }).click();
    await eventually(() => history.locator('circle.history-point').count()).toBe(3);
    expect(await history.locator('circle.history-point').evaluateAll((points) => points.map((p) => p.getAttribute('data-value')))).toEqual(['3', '4', '6']);
    expect(await history.getByRole('img').getAttribute('aria-label')).toBe('count of Linux across 3 runs, 3 with a value');
    // Windows is missing from the second run: a gap, and the table says why.
    await history.getByLabel('Row').selectOption('Windows');
    await eventually(() => history.locator('circle.history-point').count()).toBe(2);
    expect(await history.locator('g.history-gap').getAttribute('data-run-id')).toBe(AWS_RUNS[1][0]);
    expect(await history.locator(`tr[data-run-id="${AWS_RUNS[1][0]}"] td`).last().textContent()).toBe('– no row Windows');
    await screenshot(page, 'scheduled-results-history');

    // A second open reads the downloaded copy: nothing is downloaded again.
    const before = progressEvents.length;
    await page.reload();
    await page.locator(`a[data-job="os-daily"][data-run-id="${newest}"]`).click();
    await eventually(() => table.locator('tbody tr').count()).toBe(2);
    expect(progressEvents.length).toBe(before);
    expect(problems).toEqual([]);
  });

  it('shows the download of a large run as it goes, stops it on Cancel keeping nothing, and downloads it again', { timeout: 150_000 }, async () => {
    await page.locator('a[data-job="os-big"][data-run-id="big-1"]').click();
    const bar = page.getByRole('progressbar', { name: 'Downloading the output from S3' });
    await eventually(() => bar.count()).toBe(1);
    await page.locator('.scheduled-download').getByRole('button', { name: 'Cancel' }).click();
    await eventually(() => page.locator('.scheduled-run').getByRole('alert').textContent()).toMatch(/^The download of run big-1 of os-big was stopped.*; nothing of it was kept\./);
    expect(await bar.count()).toBe(0);
    await expect(readFile(join(app, 'results', 'scheduled', 'os-big', 'big-1', 'metrics.tsv'))).rejects.toThrow(/ENOENT/);

    await page.getByRole('button', { name: 'Download again' }).click();
    const table = page.getByRole('region', { name: 'Results' }).getByRole('table', { name: 'Output of os-big' });
    await eventually(() => table.locator('tbody tr td').allTextContents(), 60_000).toEqual(['Linux', '9']);
    const done = progressEvents.filter((p) => p.runId === 'big-1').at(-1);
    expect(done).toMatchObject({ filesDone: 2, filesTotal: 2, bytesDone: done?.bytesTotal });
    expect(done!.bytesTotal).toBeGreaterThan(100_000_000);
    await screenshot(page, 'scheduled-results-downloaded-again');
    expect(problems).toEqual([]);
  });
});
