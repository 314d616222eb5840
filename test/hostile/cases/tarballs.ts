import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { hostileCases, writeRawTarGz } from '../../fixtures/hostile-tar.ts';
import { accepted, brief, crashed, refused, traceIn, type HostileCase, type Outcome } from '../harness.ts';
import { paxRecords, rawTar, rawTarGz, tarHeader, writeSizeBomb, type RawTarEntry } from '../raw-tar.ts';
import { listTree, type Targets } from '../targets.ts';
import { judgeRefusal } from './contract.ts';

// Hostile packages, each against the three readers that must agree: `packager:inspect` (what
// the UI and `workbench inspect` show), resources/worker/safe_extract.py (workers and
// run-job.sh) and the app's own extractor (`packager:test-run` on this computer). Every
// archive holds a run.sh, so only its hostile part can be the reason to refuse it.

const category = 'tarballs' as const;

interface Archive {
  file: string;
  /** A folder next to the extraction target that must stay empty. */
  outside: string;
  /** Where safe_extract.py unpacks (a sibling of `outside`). */
  target: string;
}

type Make = (dir: string, outside: string) => Promise<void> | void;

const runSh = (outside: string): RawTarEntry => ({ name: 'run.sh', mode: 0o755, body: `#!/bin/sh\nmkdir -p output\ntouch '${outside}/run-sh-ran'\n` });

const writeRaw = (entries: (outside: string) => RawTarEntry[]) => async (file: string, outside: string) => {
  await writeFile(file, gzipSync(rawTar(entries(outside))));
};

/** 192 MiB of zeros in a small .tar.gz, unpacked where only 128 MiB fit (only the two cases below). */
const BOMB_BYTES = 192 * 1024 * 1024;
const sizeBomb = { description: 'a small .tar.gz that unpacks to 192 MiB', make: (file: string, outside: string) => writeSizeBomb(file, [runSh(outside)], BOMB_BYTES) };

const archives: Record<string, { description: string; make: Make }> = {
  ...Object.fromEntries(
    Object.keys(hostileCases('/x')).map((name) => [
      name.replace(/\s+/g, '-'),
      {
        description: name,
        make: (file: string, outside: string) => writeRawTarGz(file, [{ header: { name: 'run.sh', mode: 0o755 }, body: '#!/bin/sh\nmkdir -p output\n' }, ...hostileCases(outside)[name]!]),
      },
    ]),
  ),
  'block-device': { description: 'a block device entry', make: writeRaw((o) => [runSh(o), { name: 'disk', type: '4' }]) },
  fifo: { description: 'a FIFO entry', make: writeRaw((o) => [runSh(o), { name: 'pipe', type: '6' }]) },
  'duplicate-run-sh': {
    description: 'run.sh twice, the second copy different',
    make: writeRaw((o) => [runSh(o), { name: 'run.sh', mode: 0o755, body: `#!/bin/sh\ntouch '${o}/second-copy-ran'\n` }]),
  },
  'duplicate-file': { description: 'a data file twice', make: writeRaw((o) => [runSh(o), { name: 'data.txt', body: 'one' }, { name: 'data.txt', body: 'two' }]) },
  'file-then-folder': { description: 'a file, then a folder of the same name', make: writeRaw((o) => [runSh(o), { name: 'out', body: 'x' }, { name: 'out/', type: '5' }]) },
  'global-pax-path': {
    description: 'a global PAX header path=../../GLOBAL.txt',
    make: writeRaw((o) => [runSh(o), { name: 'pax_global_header', type: 'g', body: paxRecords({ path: '../../GLOBAL.txt' }) }, { name: 'ok.txt', body: 'moved by the global header' }]),
  },
  'local-pax-path': {
    description: 'a PAX header whose path climbs out',
    make: writeRaw((o) => [runSh(o), { name: 'PaxHeader/ok.txt', type: 'x', body: paxRecords({ path: '../outside/pax.txt' }) }, { name: 'ok.txt', body: 'escaped' }]),
  },
  'pax-linkpath': {
    description: 'a PAX header giving a symlink an outside target',
    make: writeRaw((o) => [runSh(o), { name: 'PaxHeader/l', type: 'x', body: paxRecords({ linkpath: o }) }, { name: 'l', type: '2', linkname: 'x' }]),
  },
  'type-S': { description: 'a GNU sparse entry (type S)', make: writeRaw((o) => [runSh(o), { name: 'sparse.bin', type: 'S', body: 'x' }]) },
  'type-V': { description: 'a volume header (type V)', make: writeRaw((o) => [runSh(o), { name: 'VOLUME', type: 'V' }]) },
  'type-Z': { description: 'an unknown entry type Z', make: writeRaw((o) => [runSh(o), { name: 'zz.bin', type: 'Z', body: 'x' }]) },
  'type-M': { description: 'a multi-volume continuation (type M)', make: writeRaw((o) => [runSh(o), { name: 'cont.bin', type: 'M', body: 'x' }]) },
  'type-7': { description: 'a contiguous file (type 7) that climbs out', make: writeRaw((o) => [runSh(o), { name: '../outside/c.bin', type: '7', body: 'x' }]) },
  'gnu-longname-out': {
    description: 'a GNU long name (type L) that climbs out',
    make: writeRaw((o) => [runSh(o), { name: '././@LongLink', type: 'L', body: `../outside/${'l'.repeat(120)}.txt\0` }, { name: 'short.txt', body: 'escaped' }]),
  },
  'name-300-bytes': { description: 'a file name of 300 bytes (over NAME_MAX)', make: writeRaw((o) => [runSh(o), { name: 'PaxHeader/n', type: 'x', body: paxRecords({ path: 'n'.repeat(300) }) }, { name: 'n', body: 'x' }]) },
  backslash: { description: 'a name climbing out with backslashes', make: writeRaw((o) => [runSh(o), { name: '..\\..\\outside\\evil.txt', body: 'x' }]) },
  'drive-letter': { description: 'a Windows drive path', make: writeRaw((o) => [runSh(o), { name: 'C:/evil.txt', body: 'x' }]) },
  'truncated-gzip': {
    description: 'a .tar.gz cut off in the middle',
    make: async (file, outside) => {
      const whole = rawTarGz([runSh(outside), { name: 'data.bin', body: Buffer.alloc(64 * 1024, 7) }]);
      await writeFile(file, whole.subarray(0, Math.floor(whole.length / 2)));
    },
  },
  'bad-checksum-second': {
    description: 'a bad header checksum after the first entry',
    make: writeRaw((o) => [runSh(o), { name: 'data.txt', body: 'x', badChecksum: true }, { name: 'later.txt', body: 'dropped?' }]),
  },
  'declared-size-beyond-data': {
    description: 'an entry that declares 1 GiB and ends after 1 KiB',
    make: async (file, outside) => {
      const head = rawTar([runSh(outside)]).subarray(0, -1024);
      await writeFile(file, gzipSync(Buffer.concat([head, tarHeader({ name: 'big.bin' }, 1024 ** 3), Buffer.alloc(1024)])));
    },
  },
  'gzip-garbage-after': {
    description: 'a .tar.gz followed by bytes that are not gzip',
    make: async (file, outside) => writeFile(file, Buffer.concat([rawTarGz([runSh(outside)]), Buffer.from('PK\u0003\u0004 not gzip at all')])),
  },
};

/** Each archive is written once per run, in its own folder with `outside` and `target` beside it. */
const made = new WeakMap<Targets, Map<string, Promise<Archive>>>();
function archiveOf(targets: Targets, kind: string): Promise<Archive> {
  let byKind = made.get(targets);
  if (!byKind) made.set(targets, (byKind = new Map()));
  let archive = byKind.get(kind);
  if (!archive) {
    archive = (async () => {
      const dir = await targets.folder(`tar-${kind}`);
      const outside = join(dir, 'outside');
      await mkdir(outside);
      const file = join(dir, `${kind}.tar.gz`);
      await (kind === 'size-bomb' ? sizeBomb : archives[kind]!).make(file, outside);
      return { file, outside, target: join(dir, 'target') };
    })();
    byKind.set(kind, archive);
  }
  return archive;
}

async function outsideTouched(archive: Archive): Promise<string | undefined> {
  const found = await listTree(archive.outside);
  return found.length > 0 ? `written outside: ${found.join(', ')}` : undefined;
}

async function viaInspect(targets: Targets, kind: string): Promise<Outcome> {
  const archive = await archiveOf(targets, kind);
  const host = await targets.host();
  const result = await host.call('packager:inspect', { path: archive.file });
  if (result.ok) {
    const found = result.value as { problems: { message: string }[] };
    return found.problems.length > 0 ? refused(`problems: ${found.problems.map((p) => p.message).join('; ')}`) : accepted(`inspect calls it clean: ${brief(result.value, 200)}`);
  }
  return judgeRefusal('packager:inspect', result);
}

async function viaSafeExtract(targets: Targets, kind: string, target?: string): Promise<Outcome> {
  const archive = await archiveOf(targets, kind);
  const into = target ?? archive.target;
  const result = await targets.worker('safe_extract.py', [archive.file, into], { timeoutMs: 20_000 });
  const touched = await outsideTouched(archive);
  if (touched) return accepted(touched);
  const unpacked = await listTree(into);
  if (result.timedOut) return crashed('safe_extract.py ran past 20 s');
  const trace = traceIn(result.stderr);
  if (trace) return crashed(`exit ${result.code} with a traceback: ${brief(result.stderr.split('\n').filter(Boolean).at(-1), 160)}`);
  if (result.code === 0) return accepted(`exit 0, unpacked: ${unpacked.slice(0, 4).join(', ')}`);
  if (result.code !== 2) return accepted(`exit ${result.code} (documented: 0, 2, 64): ${brief(result.stderr, 160)}`);
  if (unpacked.length > 0) return accepted(`refused, but left ${unpacked.slice(0, 4).join(', ')} behind`);
  if (!/^(Refused to unpack|Could not unpack) /.test(result.stderr)) return accepted(`exit 2 without saying why: ${brief(result.stderr, 160)}`);
  return refused(brief(result.stderr, 160));
}

async function viaTestRun(targets: Targets, kind: string, host = targets.host()): Promise<Outcome> {
  const archive = await archiveOf(targets, kind);
  const workbench = await host;
  const result = await workbench.call('packager:test-run', { path: archive.file });
  if (result.ok) {
    await workbench.call('jobs:cancel', { runId: (result.value as { id: string }).id });
    return accepted(`the test run started: ${brief(result.value, 120)}`);
  }
  const touched = await outsideTouched(archive);
  if (touched) return accepted(touched);
  return judgeRefusal('packager:test-run', result);
}

const perArchive: HostileCase[] = Object.entries(archives).flatMap(([kind, { description }]) => [
  { id: `${kind}/inspect`, category, description: `packager:inspect of ${description}`, timeoutMs: 8_000, run: (t: Targets) => viaInspect(t, kind) },
  { id: `${kind}/safe_extract.py`, category, description: `safe_extract.py of ${description}`, timeoutMs: 25_000, run: (t: Targets) => viaSafeExtract(t, kind) },
  { id: `${kind}/test-run`, category, description: `the app's extractor (packager:test-run) of ${description}`, timeoutMs: 10_000, run: (t: Targets) => viaTestRun(t, kind) },
]);


const bombCases: HostileCase[] = [
  {
    id: 'size-bomb/safe_extract.py',
    category,
    description: 'safe_extract.py of a size bomb into a 128 MiB disk',
    timeoutMs: 40_000,
    run: async (t) => viaSafeExtract(t, 'size-bomb', join(await t.smallDisk(128), 'target')),
  },
  {
    id: 'size-bomb/test-run',
    category,
    description: "the app's extractor (packager:test-run) of a size bomb, its data folder on a 128 MiB disk",
    timeoutMs: 40_000,
    async run(t) {
      const host = await t.ownHost(await t.smallDisk(128));
      try {
        const outcome = await viaTestRun(t, 'size-bomb', Promise.resolve(host));
        const left = (await listTree(host.dataDir)).filter((p) => p.endsWith('zeros.bin'));
        if (left.length > 0) return accepted(`${outcome.detail}; left behind: ${left.join(', ')}`);
        return outcome;
      } finally {
        await t.stopHost(host);
      }
    },
  },
];

export const tarballCases: HostileCase[] = [...perArchive, ...bombCases];
