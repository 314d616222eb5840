import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { writeRawTarGz } from '../../fixtures/hostile-tar.ts';
import { processExists, signal } from '../../fixtures/process-group.ts';
import { BrowserHost } from '../browser-host.ts';
import { accepted, brief, crashed, refused, type HostileCase, type Outcome } from '../harness.ts';
import { httpRequest } from '../http.ts';
import { childrenOf } from '../processes.ts';
import { listTree, type Targets } from '../targets.ts';
import { judgeRefusal } from './contract.ts';

// Faults in the data folder and around the host: damaged documents (the host must start, say
// which file and keep its bytes), links planted in the data folder's own folders (refused, never
// written through), and a killed `workbench` wrapper (its host must not go on serving).

const category = 'faults' as const;
const APP = 'analysis-workbench';

/** Every document the host keeps in its data folder. */
const DOCUMENTS = ['runs', 'settings', 'transfers', 'ec2-workers', 'workers', 'schedules', 'schedules-local', 'aws', 'schedule-alerts', 'notices'];

const damages: Record<string, Buffer> = {
  truncated: Buffer.from('{\n  "version": 1,\n  "data": [\n    {\n      "id": "r1", "sta'),
  garbage: Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x22, 0x00, 0x13, 0x37, 0x80, 0x81]),
  'wrong-shape': Buffer.from('{"version": 1, "data": "not what it should be"}\n'),
};

/** Whether some file in the data folder still holds exactly these bytes (nothing lost). */
async function kept(dataDir: string, bytes: Buffer): Promise<boolean> {
  for (const path of await listTree(dataDir)) {
    const content = await readFile(join(dataDir, path)).catch(() => undefined);
    if (content?.equals(bytes)) return true;
  }
  return false;
}

/**
 * Starts a host on the data folder `home`, judges it with `use` and stops it afterwards. A host
 * that does not start at all is a crash (reported as "the host did not `start`"): damage in the
 * data folder must never keep it from starting.
 */
async function onOwnHost(targets: Targets, home: string, start: string, use: (host: BrowserHost) => Promise<Outcome>): Promise<Outcome> {
  const host = await targets.ownHost(home).catch((err: Error) => err);
  if (host instanceof Error) return crashed(`the host did not ${start}: ${brief(host.message, 300)}`);
  try {
    return await use(host);
  } finally {
    await targets.stopHost(host);
  }
}

const documentCases: HostileCase[] = DOCUMENTS.flatMap((doc) =>
  Object.entries(damages)
    // A notice board of the wrong shape and one that is damaged are the same case.
    .filter(([damage]) => !(doc === 'notices' && damage === 'wrong-shape'))
    .map(([damage, bytes]) => ({
      id: `document/${doc}.json-${damage}`,
      category,
      description: `${doc}.json ${damage} when the host starts`,
      timeoutMs: 40_000,
      async run(targets: Targets): Promise<Outcome> {
        const home = await targets.folder(`doc-${doc}-${damage}`);
        const dataDir = join(home, APP);
        await mkdir(dataDir, { recursive: true });
        await writeFile(join(dataDir, `${doc}.json`), bytes);
        return onOwnHost(targets, home, 'start', async (host) => {
          const info = await host.call('app:info');
          if (!info.ok) return crashed(`app:info failed: ${info.error.message}`);
          const notices = (info.value as { notices: { message: string; action?: { call?: string } }[] }).notices;
          const notice = notices.find((n) => n.message.includes(`${doc}.json`));
          if (!(await kept(dataDir, bytes))) return accepted(`the damaged ${doc}.json is gone (not kept aside)`);
          if (!notice) return accepted(`the host started with no notice naming ${doc}.json (notices: ${brief(notices.map((n) => n.message), 200)})`);
          // Lost EC2 workers are still running (and billed): the notice offers to find them by their tags.
          if (doc === 'ec2-workers' && notice.action?.call !== 'ec2:find-workers') return accepted(`the notice offers no way to find the workers again: ${brief(notice, 200)}`);
          const unwell = await host.unwell();
          return unwell ? crashed(unwell) : refused(notice.message);
        });
      },
    })),
);

/** The notice about a damaged document must still be there at the next start (until dismissed). */
const secondStartCases: HostileCase[] = ['runs', 'ec2-workers', 'schedules'].map((doc) => ({
  id: `document/${doc}.json-truncated-next-start`,
  category,
  description: `${doc}.json truncated: the notice is still shown at the start after the one that set it aside`,
  timeoutMs: 60_000,
  async run(targets: Targets): Promise<Outcome> {
    const home = await targets.folder(`doc-again-${doc}`);
    await mkdir(join(home, APP), { recursive: true });
    await writeFile(join(home, APP, `${doc}.json`), damages['truncated']!);
    const first = await targets.ownHost(home).catch((err: Error) => err);
    if (first instanceof Error) return crashed(`the host did not start: ${brief(first.message, 300)}`);
    await targets.stopHost(first);
    return onOwnHost(targets, home, 'start the second time', async (again) => {
      const info = await again.call('app:info');
      if (!info.ok) return crashed(`app:info failed: ${info.error.message}`);
      const notice = (info.value as { notices: { message: string }[] }).notices.find((n) => n.message.includes(`${doc}.json`));
      return notice ? refused(notice.message) : accepted(`the second start shows no notice naming ${doc}.json`);
    });
  },
}));

/** A data folder whose `folder` is a link to a folder outside; `act` then uses it through the host. */
function plantedLink(id: string, description: string, folder: string, act: (host: BrowserHost, targets: Targets) => Promise<Outcome>): HostileCase {
  return {
    id: `planted-link/${id}`,
    category,
    description,
    timeoutMs: 40_000,
    async run(targets) {
      const home = await targets.folder(`link-${id}`);
      const outside = await targets.folder(`link-${id}-outside`);
      const link = join(home, APP, folder);
      await mkdir(join(link, '..'), { recursive: true });
      await symlink(outside, link);
      return onOwnHost(targets, home, 'start', async (host) => {
        const outcome = await act(host, targets);
        const written = await readdir(outside);
        if (written.length > 0) return accepted(`written through the link into ${outside}: ${written.slice(0, 4).join(', ')} (${outcome.detail})`);
        return outcome;
      });
    },
  };
}

async function goodTarball(targets: Targets): Promise<string> {
  const file = join(await targets.folder('good-package'), 'job.tar.gz');
  await writeRawTarGz(file, [{ header: { name: 'run.sh', mode: 0o755 }, body: '#!/bin/sh\nmkdir -p output\necho ok > output/result.txt\n' }]);
  return file;
}

const linkCases: HostileCase[] = [
  plantedLink('workspaces', 'workspaces/ is a link out; a new workspace is made', 'workspaces', async (host) => judgeRefusal('workspace:new', await host.call('workspace:new', { name: 'through-link', from: { kind: 'template' } }))),
  plantedLink('schedule-code', 'schedules/code/NAME is a link out; that schedule is created', 'schedules/code/linked', async (host, targets) => {
    const result = await host.call('schedules:create', { name: 'linked', tarball: await goodTarball(targets), frequency: { kind: 'daily' }, backend: 'local' });
    return judgeRefusal('schedules:create', result);
  }),
  plantedLink('schedules-code', 'schedules/code is a link out; a schedule is created', 'schedules/code', async (host, targets) => {
    const result = await host.call('schedules:create', { name: 'linked-all', tarball: await goodTarball(targets), frequency: { kind: 'daily' }, backend: 'local' });
    return judgeRefusal('schedules:create', result);
  }),
  plantedLink('staging', 'staging/ is a link out; a file is dropped on the page', 'staging', async (host) => {
    const headers = { Host: host.hostHeader, Origin: host.origin, Cookie: host.cookie };
    const batch = await httpRequest(host.port, { method: 'POST', path: '/upload/batch', headers });
    if (batch.status !== 200) return batch.status >= 400 && batch.body.length > 0 ? refused(`HTTP ${batch.status}: ${brief(batch.body, 120)}`) : accepted(`HTTP ${batch.status}`);
    const id = (JSON.parse(batch.body) as { batch: string }).batch;
    const upload = await httpRequest(host.port, { method: 'POST', path: `/upload?batch=${id}&path=dropped.txt`, headers, body: 'dropped' });
    return upload.status >= 400 ? refused(`HTTP ${upload.status}: ${brief(upload.body, 120)}`) : accepted(`HTTP ${upload.status}: ${brief(upload.body, 120)}`);
  }),
  plantedLink('worker-runs', 'worker/ (the local runs) is a link out; a test run starts', 'worker', async (host, targets) => {
    const result = await host.call('packager:test-run', { path: await goodTarball(targets) });
    if (result.ok) await host.call('jobs:cancel', { runId: (result.value as { id: string }).id });
    return judgeRefusal('packager:test-run', result);
  }),
];

const wrapperCases: HostileCase[] = ['SIGKILL', 'SIGTERM', 'SIGHUP'].map((sig) => ({
  id: `wrapper/${sig}`,
  category,
  description: `${sig} to the bin/workbench.js wrapper alone: its host must not go on serving`,
  timeoutMs: 40_000,
  async run(targets: Targets): Promise<Outcome> {
    const host = await targets.ownHost(await targets.folder(`wrapper-${sig}`));
    try {
      const [real] = await childrenOf(host.proc.pid);
      if (real === undefined) return crashed('the wrapper has no child host process');
      signal(host.proc.pid, sig as NodeJS.Signals);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && processExists(real)) await delay(100);
      if (!processExists(real)) return refused(`the host (pid ${real}) ended with its wrapper`);
      const serving = await httpRequest(host.port, { path: '/', headers: { Host: host.hostHeader } }).then(
        (a) => `still serving (HTTP ${a.status})`,
        () => 'not answering',
      );
      return accepted(`the host (pid ${real}) outlived its wrapper by 5 s, ${serving}`);
    } finally {
      await targets.stopHost(host);
    }
  },
}));

/**
 * The real host SIGKILLed while `writes` settings changes are in flight: started again on the same
 * data folder, it must start without a damaged-document notice and keep the last change it
 * confirmed (writes are atomic; nothing half-written is read back).
 */
function killedHost(id: string, writes: number): HostileCase {
  return {
    id: `host-killed/${id}`,
    category,
    description: `the host SIGKILLed with ${writes} settings writes in flight, then started again`,
    timeoutMs: 60_000,
    async run(targets) {
      const home = await targets.folder(`killed-${id}`);
      const first = await targets.ownHost(home);
      let confirmed: number | undefined;
      try {
        const [real] = await childrenOf(first.proc.pid);
        if (real === undefined) return crashed('the wrapper has no child host process');
        const set = await first.call('settings:set', { workerLifetimeHours: 7 });
        if (!set.ok) return crashed(`settings:set failed: ${set.error.message}`);
        confirmed = 7;
        // Fired together; the kill lands once the first of them is confirmed, the rest still going.
        const inFlight = Array.from({ length: writes }, (_, i) => first.call('settings:set', { workerLifetimeHours: 1 + (i % 24) }).then((r) => r.ok && (confirmed = 1 + (i % 24))));
        if (writes > 0) await Promise.race([Promise.race(inFlight), delay(3000)]);
        signal(real, 'SIGKILL');
        await Promise.race([Promise.all(inFlight), delay(3000)]);
      } finally {
        await targets.stopHost(first);
      }
      return onOwnHost(targets, home, 'start again', async (again) => {
        const info = await again.call('app:info');
        const settings = await again.call('settings:get');
        if (!info.ok || !settings.ok) return crashed('the restarted host did not answer');
        const notices = (info.value as { notices: { message: string }[] }).notices.filter((n) => /could not be used|kept as|corrupt/i.test(n.message));
        if (notices.length > 0) return accepted(`a document was damaged by the kill: ${brief(notices[0]!.message, 200)}`);
        const hours = (settings.value as { workerLifetimeHours: number }).workerLifetimeHours;
        // A write confirmed before the kill may be followed by unconfirmed ones that also landed.
        if (writes === 0 && hours !== confirmed) return accepted(`the confirmed setting was lost: ${hours}, not ${confirmed}`);
        if (!(hours >= 1 && hours <= 24)) return accepted(`the setting came back as ${hours}`);
        return refused(`started again with workerLifetimeHours ${hours} (the last confirmed: ${confirmed}), no notice`);
      });
    },
  };
}

const killedHostCases: HostileCase[] = [killedHost('after-a-write', 0), killedHost('mid-50-writes', 50), killedHost('mid-500-writes', 500)];

export const faultCases: HostileCase[] = [...documentCases, ...secondStartCases, ...linkCases, ...wrapperCases, ...killedHostCases];
