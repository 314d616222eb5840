import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { accepted, brief, crashed, hung, refused, traceIn, type HostileCase, type Outcome } from '../harness.ts';
import { paxRecords, rawTarGz } from '../raw-tar.ts';
import { listTree, type Targets } from '../targets.ts';

// resources/worker/run-job.sh, as a scheduled run starts it, with shell metacharacters, line
// breaks and paths in its arguments. Its own command (--command) is the user's shell by design;
// every other value must be refused (exit 64, naming the flag) and never run: each payload tries
// to create a sentinel file, which must never appear.

const category = 'run-job' as const;

const payloads: [string, (sentinel: string) => string][] = [
  ['dollar-paren', (s) => `$(touch ${s})`],
  ['backticks', (s) => `\`touch ${s}\``],
  ['semicolon', (s) => `x; touch ${s}`],
  ['newline', (s) => `x\ntouch ${s}`],
  ['pipe', (s) => `x | touch ${s}`],
  ['and', (s) => `x && touch ${s}`],
  ['quote-break', (s) => `x' ; touch ${s} #`],
  ['carriage-return', (s) => `x\rtouch ${s}`],
  ['dash-option', () => '--shutdown'],
  ['parent-path', () => '../../../etc'],
];

const flags = ['--job', '--run-id', '--output-dir', '--timeout-minutes', '--timeout-seconds', '--visibility', '--scheduled-for', '--data-dir'];

function baseArgs(dir: string): Record<string, string> {
  return {
    '--job': 'hostile',
    '--run-id': 'r1',
    '--code': join(dir, 'code.tar.gz'),
    '--command': './run.sh',
    '--output-dir': 'output',
    '--timeout-minutes': '1',
    '--publish': join(dir, 'published'),
  };
}

async function runJob(targets: Targets, dir: string, args: Record<string, string>): Promise<{ outcome?: Outcome; code: number | null; stderr: string; stdout: string }> {
  const argv = Object.entries(args).flat();
  const result = await targets.worker('run-job.sh', argv, { cwd: dir, timeoutMs: 20_000, env: { TMPDIR: dir } });
  if (result.timedOut) return { outcome: hung('run-job.sh ran past 20 s'), code: null, stderr: result.stderr, stdout: result.stdout };
  const trace = traceIn(result.stderr + result.stdout);
  if (trace) return { outcome: crashed(`a traceback: ${brief(result.stderr, 160)}`), code: result.code, stderr: result.stderr, stdout: result.stdout };
  return { code: result.code, stderr: result.stderr, stdout: result.stdout };
}

const sentinelName = 'INJECTED';

// A folder named --shutdown is only a name to --output-dir (always used as "$work/code/$output_dir").
const flagCases: HostileCase[] = flags.flatMap((flag) =>
  payloads.filter(([name]) => !(flag === '--output-dir' && name === 'dash-option')).map(([name, payload]) => ({
    id: `${flag.slice(2)}/${name}`,
    category,
    description: `run-job.sh ${flag} with ${name}`,
    timeoutMs: 25_000,
    async run(targets: Targets): Promise<Outcome> {
      const dir = await targets.folder(`runjob-${flag.slice(2)}-${name}`);
      const sentinel = join(dir, sentinelName);
      const args = { ...baseArgs(dir), [flag]: payload(sentinel) };
      const result = await runJob(targets, dir, args);
      const found = await listTree(dir);
      if (found.includes(sentinelName)) return accepted(`the injected command ran (exit ${result.code})`);
      if (result.outcome) return result.outcome;
      if (result.code !== 64) return accepted(`exit ${result.code}, not 64: ${brief(result.stderr + result.stdout, 160)}`);
      if (!result.stderr.includes(`run-job.sh: ${flag}`)) return accepted(`the message does not name ${flag}: ${brief(result.stderr, 160)}`);
      return refused(brief(result.stderr.split('\n')[0], 120));
    },
  })),
);

/** Values taken as file names (--code, --publish, --records, --log, --work-dir) may hold any character but a control one, and are never run. */
const pathValueCases: HostileCase[] = [
  ...payloads
    .filter(([name]) => !['newline', 'carriage-return'].includes(name))
    .map(([name, payload]) => ({
      id: `code/${name}`,
      category,
      description: `run-job.sh --code named with ${name}`,
      timeoutMs: 25_000,
      async run(targets: Targets): Promise<Outcome> {
        const dir = await targets.folder(`runjob-code-${name}`);
        const sentinel = join(dir, sentinelName);
        const result = await runJob(targets, dir, { ...baseArgs(dir), '--code': payload(sentinel) });
        if ((await listTree(dir)).includes(sentinelName)) return accepted(`the injected command ran (exit ${result.code})`);
        if (result.outcome) return result.outcome;
        if (result.code === 64) return refused(brief(result.stderr, 120));
        // Taken as a file name: the run is recorded as failed, saying the code could not be fetched.
        const record = await readFile(join(dir, 'published', 'runs', 'r1.json'), 'utf8').catch(() => '');
        if (result.code === 0 && /"status": ?"failed"/.test(record) && /Could not fetch the code/.test(record)) return refused('recorded as failed: could not fetch the code');
        return accepted(`exit ${result.code}; record: ${brief(record || result.stderr, 160)}`);
      },
    })),
  ...(['newline', 'carriage-return'] as const).flatMap((name) =>
    ['--code', '--publish', '--records', '--command', '--log', '--work-dir'].map((flag) => ({
      id: `${flag.slice(2)}/${name}`,
      category,
      description: `run-job.sh ${flag} with a ${name}`,
      timeoutMs: 25_000,
      async run(targets: Targets): Promise<Outcome> {
        const dir = await targets.folder(`runjob-${flag.slice(2)}-${name}`);
        const sentinel = join(dir, sentinelName);
        const payload = payloads.find(([n]) => n === name)![1](sentinel);
        const result = await runJob(targets, dir, { ...baseArgs(dir), [flag]: payload });
        if ((await listTree(dir)).includes(sentinelName)) return accepted(`the injected command ran (exit ${result.code})`);
        if (result.outcome) return result.outcome;
        return result.code === 64 && result.stderr.includes(`run-job.sh: ${flag}`) ? refused(brief(result.stderr, 120)) : accepted(`exit ${result.code}: ${brief(result.stderr, 160)}`);
      },
    })),
  ),
  {
    id: 'command/over-1024',
    category,
    description: 'run-job.sh --command of 1025 characters',
    timeoutMs: 25_000,
    async run(targets) {
      const dir = await targets.folder('runjob-command-long');
      const result = await runJob(targets, dir, { ...baseArgs(dir), '--command': `./run.sh ${'x'.repeat(1016)}` });
      if (result.outcome) return result.outcome;
      return result.code === 64 && result.stderr.includes('run-job.sh: --command') ? refused(brief(result.stderr, 120)) : accepted(`exit ${result.code}: ${brief(result.stderr, 160)}`);
    },
  },
  {
    id: 'usage/unknown-flag',
    category,
    description: 'run-job.sh with an unknown flag',
    async run(targets) {
      const dir = await targets.folder('runjob-unknown');
      const result = await runJob(targets, dir, { ...baseArgs(dir), '--exec': 'id' });
      if (result.outcome) return result.outcome;
      return result.code === 64 && /unknown argument/.test(result.stderr) ? refused() : accepted(`exit ${result.code}: ${brief(result.stderr, 160)}`);
    },
  },
];

/** Whole runs with a hostile code tarball: recorded as failed, the package never run. */
const packages: [string, (outside: string) => Buffer][] = [
  [
    'duplicate-run-sh',
    (o) =>
      rawTarGz([
        { name: 'run.sh', mode: 0o755, body: '#!/bin/sh\nmkdir -p output; echo first > output/x\n' },
        { name: 'run.sh', mode: 0o755, body: `#!/bin/sh\ntouch '${o}/${sentinelName}'\nmkdir -p output; echo second > output/x\n` },
      ]),
  ],
  ['traversal', (o) => rawTarGz([{ name: 'run.sh', mode: 0o755, body: `#!/bin/sh\ntouch '${o}/${sentinelName}'\n` }, { name: '../../escaped.txt', body: 'x' }])],
  [
    'global-pax-path',
    (o) => rawTarGz([{ name: 'pax_global_header', type: 'g', body: paxRecords({ path: '../../GLOBAL.txt' }) }, { name: 'run.sh', mode: 0o755, body: `#!/bin/sh\ntouch '${o}/${sentinelName}'\n` }]),
  ],
  ['symlink-out', (o) => rawTarGz([{ name: 'run.sh', mode: 0o755, body: `#!/bin/sh\ntouch '${o}/${sentinelName}'\n` }, { name: 'output', type: '2', linkname: o }])],
];

const packageCases: HostileCase[] = packages.map(([name, make]) => ({
  id: `package/${name}`,
  category,
  description: `a whole run whose code tarball has ${name}`,
  timeoutMs: 25_000,
  async run(targets: Targets): Promise<Outcome> {
    const dir = await targets.folder(`runjob-package-${name}`);
    const outside = await targets.folder(`runjob-package-${name}-outside`);
    const args = baseArgs(dir);
    await writeFile(args['--code']!, make(outside));
    const result = await runJob(targets, dir, args);
    if ((await listTree(outside)).length > 0) return accepted(`the package ran or wrote outside: ${(await listTree(outside)).join(', ')}`);
    if (result.outcome) return result.outcome;
    const record = await readFile(join(dir, 'published', 'runs', 'r1.json'), 'utf8').catch(() => '');
    if (/"status": ?"succeeded"/.test(record)) return accepted('the run succeeded');
    if (result.code === 0 && /The code tarball was not unpacked: Refused to unpack/.test(record)) return refused('recorded as failed: refused to unpack');
    return accepted(`exit ${result.code}; record: ${brief(record || result.stderr, 200)}`);
  },
}));

export const runJobCases: HostileCase[] = [...flagCases, ...pathValueCases, ...packageCases];
