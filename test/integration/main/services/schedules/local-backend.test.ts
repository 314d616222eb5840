import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { HistoryRow, ScheduleAlert } from '../../../../../src/shared/schedule-calls.ts';
import { Schedule, type ScheduleInput } from '../../../../../src/shared/schedule.ts';
import { WorkerRuntime } from '../../../../../src/main/services/jobs/runtime.ts';
import { LocalScheduleBackend } from '../../../../../src/main/services/schedules/local-backend.ts';
import { ScheduleService } from '../../../../../src/main/services/schedules/schedule-service.ts';
import { ScheduleStore } from '../../../../../src/main/services/schedules/schedule-store.ts';
import { DocumentStore } from '../../../../../src/main/services/store/document-store.ts';
import { LocalTransport } from '../../../../../src/main/services/workers/local.ts';
import { writeRawTarGz } from '../../../../fixtures/hostile-tar.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const run = promisify(execFile);

/** A job package: run.sh (the given body) writing into output/, packed with GNU tar. */
async function makeTarball(root: string, body: string): Promise<string> {
  const pkg = join(root, 'pkg');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'run.sh'), `#!/bin/sh\nset -e\nmkdir -p output\n${body}\n`);
  await chmod(join(pkg, 'run.sh'), 0o755);
  const tarball = join(root, 'job.tar.gz');
  await run('tar', ['-czf', tarball, '-C', pkg, '.']);
  return tarball;
}

/** The local backend and the schedule service on a fake clock, running the real run-job.sh here. */
async function setUp(body = 'echo "day,count" > output/counts.csv; echo "mon,3" >> output/counts.csv') {
  const root = await useTempDir('local-schedules');
  let clock = new Date('2026-11-20T10:00:00Z');
  // A clock that moves: set by useClock for what happens in real time.
  let moving: (() => Date) | undefined;
  const store = new DocumentStore(join(root, 'data'));
  const alerts: ScheduleAlert[] = [];
  const backend = new LocalScheduleBackend({
    store,
    dataDir: join(root, 'data'),
    transports: async () => new LocalTransport(join(root, 'data', 'worker')),
    runtime: new WorkerRuntime(resolve('resources/worker')),
    now: () => moving?.() ?? clock,
    pollMs: 50,
  });
  const service = new ScheduleService({ store: new ScheduleStore(store), backend: async () => backend, now: () => moving?.() ?? clock, onAlert: (a) => alerts.push(a) });
  const tarball = await makeTarball(root, body);
  const reopen = () =>
    new LocalScheduleBackend({
      store: new DocumentStore(join(root, 'data')),
      dataDir: join(root, 'data'),
      transports: async () => new LocalTransport(join(root, 'data', 'worker')),
      runtime: new WorkerRuntime(resolve('resources/worker')),
      now: () => clock,
      pollMs: 50,
    });
  return {
    root,
    backend,
    reopen,
    service,
    alerts,
    tarball,
    setClock: (iso: string) => (clock = new Date(iso)),
    /** From now on the clock reads `iso` plus the real time gone by since. */
    useClock: (iso: string) => {
      const offset = Date.parse(iso) - Date.now();
      moving = () => new Date(Date.now() + offset);
    },
    create: (extra: Partial<ScheduleInput> = {}) => service.create(Schedule.parse({ name: 'daily-counts', tarball, frequency: { kind: 'daily' }, timeoutMinutes: 5, ...extra })),
  };
}

const summary = (rows: HistoryRow[]) => rows.map((r) => `${r.status} ${r.scheduledFor ?? 'now'}`);

describe('local schedule backend (fake clock, the real run-job.sh)', () => {
  it('starts a run within 2 s of its time while the app is open', async () => {
    const t = await setUp();
    // 3 s before the daily 12:00: the clock sleeps until the run's time, not a fixed interval.
    t.useClock('2026-11-20T11:59:57Z');
    await t.create();
    await t.backend.start();
    try {
      const started = async () => (await t.service.history('daily-counts')).find((r) => r.scheduledFor === '2026-11-20T12:00:00.000Z' && r.startedAt);
      await expect.poll(started, { timeout: 15_000, interval: 100 }).toBeTruthy();
      const row = (await started())!;
      expect(Date.parse(row.startedAt!) - Date.parse('2026-11-20T12:00:00Z')).toBeLessThan(2_000);
    } finally {
      t.backend.stop();
      await t.backend.whenIdle();
    }
  });

  it('catches up the latest run missed within 24 hours once at start; older ones are shown as missed', async () => {
    const t = await setUp();
    await t.create();
    // The app was closed from the 20th 10:00 to the 23rd 11:00: runs of the 20th, 21st and 22nd did not happen.
    t.setClock('2026-11-23T11:00:00Z');
    await t.backend.start();
    t.backend.stop();
    await t.backend.whenIdle();

    const records = await t.backend.history('daily-counts');
    expect(records.map((r) => [r.status, r.scheduledFor])).toEqual([['succeeded', '2026-11-22T12:00:00.000Z']]);
    expect(records[0]).toMatchObject({ job: 'daily-counts', filesPublished: 1, exitCode: 0, timedOut: false });
    const published = join(t.root, 'data', 'published', 'daily-counts');
    expect(await readFile(join(published, 'runs', records[0]!.runId, 'data', 'counts.csv'), 'utf8')).toBe('day,count\nmon,3\n');
    expect(await readFile(join(published, 'data', 'counts.csv'), 'utf8')).toBe('day,count\nmon,3\n');
    expect(gunzipSync(await readFile(join(published, 'logs', `${records[0]?.runId}.log.gz`))).toString()).toContain('status succeeded');

    const history = await t.service.history('daily-counts');
    expect(summary(history)).toEqual(['succeeded 2026-11-22T12:00:00.000Z', 'missed 2026-11-21T12:00:00.000Z', 'missed 2026-11-20T12:00:00.000Z']);
    expect(history[0]?.log).toBe(join(published, 'logs', `${records[0]?.runId}.log.gz`));
    expect(history[0]?.output).toBe(join(published, 'runs', records[0]!.runId, 'data') + '/');
    // Each missed run is told once, not at every look.
    expect(t.alerts.map((a) => `${a.status} ${a.message.split(':')[0]}`)).toEqual(['missed daily-counts did not run at 2026-11-21T12', 'missed daily-counts did not run at 2026-11-20T12']);
    await t.service.history('daily-counts');
    expect(t.alerts).toHaveLength(2);

    // Starting again the same day does not run the same slot twice.
    await t.backend.start();
    t.backend.stop();
    await t.backend.whenIdle();
    expect(await t.backend.history('daily-counts')).toHaveLength(1);
  });

  it('does not catch up a run missed more than 24 hours ago', async () => {
    const t = await setUp();
    await t.create();
    t.setClock('2026-11-21T12:30:00Z'); // the 20th's run is 24.5 h old; the 21st's is due
    await t.backend.tick();
    await t.backend.whenIdle();
    expect((await t.backend.history('daily-counts')).map((r) => r.scheduledFor)).toEqual(['2026-11-21T12:00:00.000Z']);
    t.setClock('2026-11-23T12:30:00Z');
    await t.backend.tick();
    await t.backend.whenIdle();
    expect((await t.backend.history('daily-counts')).map((r) => r.scheduledFor)).toEqual(['2026-11-23T12:00:00.000Z', '2026-11-21T12:00:00.000Z']);
    expect(summary(await t.service.history('daily-counts'))).toContain('missed 2026-11-22T12:00:00.000Z');
  });

  /** A run of daily-counts started now that holds until `release` is written, once it has started. */
  async function startHeldRun() {
    const root = await useTempDir('held-run');
    const release = join(root, 'release');
    const started = join(root, 'started');
    const t = await setUp(`touch '${started}'\nwhile [ ! -e '${release}' ]; do sleep 0.05; done\necho done > output/x.txt`);
    await t.create();
    const runId = await t.service.runNow('daily-counts');
    await waitFor(async () => (await readFile(started).catch(() => undefined)) !== undefined);
    return { t, runId, release };
  }

  it('never overlaps two runs of one job: a slot due while one runs is skipped, run now is refused', async () => {
    const { t, runId, release } = await startHeldRun();

    t.setClock('2026-11-20T12:00:30Z');
    await t.backend.tick();
    await expect(t.service.runNow('daily-counts')).rejects.toThrow(`daily-counts is running now (run ${runId}); wait for it to end: two runs of one job never overlap.`);
    expect(summary(await t.service.history('daily-counts'))).toEqual(['skipped 2026-11-20T12:00:00.000Z', 'running now']);

    await writeFile(release, '');
    await t.backend.whenIdle();
    const history = await t.service.history('daily-counts');
    expect(summary(history)).toEqual(['succeeded now', 'skipped 2026-11-20T12:00:00.000Z']);
    expect(history[0]?.runId).toBe(runId);
    expect(history[1]?.message).toBe(`Skipped: run ${runId} of this job was still going.`);
  });

  it('follows a run again after a restart and ends it with its record', async () => {
    const { t, runId, release } = await startHeldRun();
    // The app quits (its backend stops following) and starts again with a new backend.
    t.backend.stop();
    const again = t.reopen();
    await again.start();
    again.stop();
    expect((await again.pendingRows('daily-counts')).map((r) => [r.status, r.runId])).toEqual([['running', runId]]);
    await expect(again.runNow(Schedule.parse({ name: 'daily-counts', tarball: t.tarball, frequency: { kind: 'daily' } }))).rejects.toThrow(/is running now/);
    await writeFile(release, '');
    await again.whenIdle();
    expect(await again.pendingRows('daily-counts')).toEqual([]);
    expect((await again.history('daily-counts')).map((r) => [r.runId, r.status])).toEqual([[runId, 'succeeded']]);
    await t.backend.whenIdle();
  });

  it('honours the end date, and a disabled schedule does not run', async () => {
    const t = await setUp();
    await t.create({ endDate: '2026-11-21' });
    t.setClock('2026-11-21T12:01:00Z');
    await t.backend.tick();
    await t.backend.whenIdle();
    t.setClock('2026-11-22T12:01:00Z');
    await t.backend.tick();
    await t.backend.whenIdle();
    expect((await t.backend.history('daily-counts')).map((r) => r.scheduledFor)).toEqual(['2026-11-21T12:00:00.000Z']);
    expect((await t.service.get('daily-counts')).nextRun).toBeNull();

    await t.service.update('daily-counts', { endDate: null });
    await t.service.setEnabled('daily-counts', false);
    t.setClock('2026-11-23T12:01:00Z');
    await t.backend.tick();
    await t.backend.whenIdle();
    expect(await t.backend.history('daily-counts')).toHaveLength(1);
    // Enabling again does not run what fell due while disabled; the next slot runs.
    await t.service.setEnabled('daily-counts', true);
    await t.backend.tick();
    expect(await t.backend.history('daily-counts')).toHaveLength(1);
    expect((await t.service.get('daily-counts')).nextRun).toBe('2026-11-24T12:00:00.000Z');
  });

  it('a failing job leaves a failed record, its log, and one alert', async () => {
    const t = await setUp('echo "about to fail" >&2; exit 3');
    await t.create();
    await t.service.runNow('daily-counts');
    await t.backend.whenIdle();
    const [row] = await t.service.history('daily-counts');
    expect(row).toMatchObject({ status: 'failed', message: 'The command failed with exit code 3; nothing was published.', bytesPublished: 0 });
    expect((await t.backend.readLog('daily-counts', row?.runId ?? '', 1 << 20)).text).toContain('about to fail');
    expect(t.alerts.map((a) => a.status)).toEqual(['failed']);
    await t.service.history('daily-counts');
    expect(t.alerts).toHaveLength(1);
  });

  it('refuses a second schedule with the same name and a tarball that is not there', async () => {
    const t = await setUp();
    await t.create();
    await expect(t.create()).rejects.toThrow('A schedule named daily-counts exists already; choose another name or edit that one.');
    await expect(t.create({ name: 'other', tarball: join(t.root, 'nope.tar.gz') })).rejects.toThrow(/The code tarball .*nope\.tar\.gz cannot be read \(ENOENT\); build it in the Packager or choose another file\./);
    expect((await t.service.list()).map((s) => s.name)).toEqual(['daily-counts']);
    await t.service.delete('daily-counts');
    expect(await t.service.list()).toEqual([]);
  });
});

describe('the code tarball, checked when a local schedule is saved', () => {
  it('refuses a text file, a device and an archive with absolute paths, keeping no schedule and no copy', async () => {
    const t = await setUp();
    const absolute = join(t.root, 'absolute.tar.gz');
    await writeRawTarGz(absolute, [{ header: { name: 'run.sh' }, body: 'echo hi\n' }, { header: { name: '/etc/cron.d/evil' }, body: '* * * * * root sh\n' }]);
    const cases: [string, RegExp][] = [
      ['/etc/passwd', /The code tarball was not saved: \/etc\/passwd is not a tar archive \(\.tar, \.tar\.gz or \.tgz\)\. Build it in the Packager or choose another file\./],
      ['/dev/zero', /The code tarball was not saved: \/dev\/zero is a device, not a tarball; choose a \.tar\.gz file\./],
      [absolute, /The code tarball was not saved: .*absolute\.tar\.gz is not a package that can run: \/etc\/cron\.d\/evil has an absolute path\./],
    ];
    for (const [tarball, reason] of cases) {
      await expect(t.create({ tarball }), tarball).rejects.toThrow(reason);
    }
    expect(await t.service.list()).toEqual([]);
    expect(await readdir(join(t.root, 'data', 'schedules', 'code', 'daily-counts')).catch(() => [])).toEqual([]);
  });

  it('keeps a private copy of a good package, which its runs use', async () => {
    const t = await setUp();
    await t.create();
    const copy = join(t.root, 'data', 'schedules', 'code', 'daily-counts', 'code.tar.gz');
    expect(await readFile(copy)).toEqual(await readFile(t.tarball));
    expect((await stat(copy)).mode & 0o777).toBe(0o600);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
