import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeRawTarGz } from '../../fixtures/hostile-tar.ts';
import { accepted, brief, crashed, hung, RAW_CONTROL, refused, traceIn, type HostileCase, type Outcome } from '../harness.ts';
import type { Finished } from '../processes.ts';
import { listTree, type Targets } from '../targets.ts';

// The `workbench` command (node bin/workbench.js), each case a fresh process with its own data
// folder: a refusal exits non-zero, in bounded time, with a message on stderr that names what to
// fix, no stack trace, and no raw control or bidi characters (names are escaped).

const category = 'cli' as const;
const CLI_TIMEOUT_MS = 10_000;

export function judgeCli(result: Finished, options: { codes?: number[]; message?: RegExp } = {}): Outcome {
  const output = result.stdout + result.stderr;
  if (result.stoppedEarly) return accepted(`it went on to serve: ${brief(result.stdout, 120)}`);
  if (result.timedOut) return hung(`still running after ${CLI_TIMEOUT_MS / 1000} s (killed); output: ${brief(output, 120)}`);
  if (result.signal) return crashed(`ended by ${result.signal}: ${brief(output, 160)}`);
  const trace = traceIn(output);
  if (trace) return crashed(`a trace reached the user (${trace}): ${brief(result.stderr, 200)}`);
  if (RAW_CONTROL.test(output)) return accepted(`raw control or bidi characters reached the terminal: ${brief(output, 200)}`);
  if (result.code === 0) return accepted(`exit 0: ${brief(output, 160)}`);
  const codes = options.codes ?? [1, 2];
  if (!codes.includes(result.code ?? -1)) return accepted(`exit ${result.code}, not ${codes.join('/')}: ${brief(result.stderr, 160)}`);
  if (result.stderr.trim() === '' && !/unsafe:|problem/i.test(result.stdout)) return accepted(`exit ${result.code} with nothing on stderr: ${brief(result.stdout, 120)}`);
  if (options.message && !options.message.test(output)) return accepted(`the message does not say what to fix (${options.message}): ${brief(output, 200)}`);
  return refused(`exit ${result.code}: ${brief(result.stderr, 100)}`);
}

type Args = string[] | ((targets: Targets) => Promise<string[]>);

function cliCase(id: string, description: string, args: Args, options: { codes?: number[]; message?: RegExp; stdin?: string } = {}): HostileCase {
  return {
    id,
    category,
    description,
    timeoutMs: CLI_TIMEOUT_MS + 5_000,
    async run(targets) {
      const argv = typeof args === 'function' ? await args(targets) : args;
      const result = await targets.cli(argv, { timeoutMs: CLI_TIMEOUT_MS, until: / is open at /, ...(options.stdin === undefined ? {} : { stdin: options.stdin }) });
      return judgeCli(result, options);
    },
  };
}

const USAGE = [2];

// Junk spellings that Number() reads as 0 would serve on a free port, so their verdict never
// depends on which ports happen to be taken on this machine.
const ports = ['abc', '-1', '65536', '1.5', '', '0x0', '0e0', ' 0', '+0', '8080abc', '99999999999999999999'];
const portCases = ports.map((port, i) => cliCase(`web-port/${i}-${brief(port, 12).replace(/[^A-Za-z0-9.-]/g, '_')}`, `web --port ${JSON.stringify(port)}`, ['web', '--port', port], { message: /--port/ }));

const usageCases: HostileCase[] = [
  cliCase('usage/unknown-command', 'an unknown command', ['frobnicate'], { codes: USAGE }),
  cliCase('usage/unknown-flag', 'an unknown flag', ['info', '--frobnicate'], { codes: USAGE }),
  cliCase('usage/web-unknown-flag', 'web with an unknown flag', ['web', '--listen', '0.0.0.0'], { codes: [1, 2] }),
  cliCase('usage/data-dir-missing-value', '--data-dir with no folder', ['info', '--data-dir'], { codes: USAGE }),
  cliCase('usage/data-dir-flag-as-value', '--data-dir followed by a flag', ['inspect', 'x.tar.gz', '--data-dir', '--json'], { codes: USAGE }),
  cliCase('usage/call-without-name', 'call with no name', ['call'], { codes: USAGE }),
  cliCase('usage/call-bad-json', 'call with input that is not JSON', ['call', 'app:info', '{bad json'], { codes: USAGE, message: /not valid JSON/ }),
  cliCase('usage/call-unknown', 'call of a call that does not exist', ['call', 'rm:rf'], { message: /no call named/ }),
  cliCase('usage/call-proto', 'call of __proto__', ['call', '__proto__'], { message: /no call named/ }),
  cliCase('usage/call-wrong-input', 'call with input of the wrong shape', ['call', 'jobs:get', '{"runId":{"$ne":1}}'], { message: /jobs:get/ }),
  cliCase('usage/inspect-no-file', 'inspect with no file', ['inspect'], { codes: USAGE }),
  cliCase('usage/inspect-two-files', 'inspect with two files', ['inspect', 'a.tar.gz', 'b.tar.gz'], { codes: USAGE }),
  cliCase('usage/pack-no-output', 'pack without -o', ['pack', '.'], { codes: USAGE }),
  cliCase('usage/run-no-dir', 'run with no job folder', ['run'], { codes: USAGE }),
  cliCase('usage/run-no-target', 'run with neither --local nor --worker', ['run', 'resources/examples/os-distribution'], { codes: USAGE }),
  cliCase('usage/worker-unknown', 'an unknown worker subcommand', ['worker', 'explode'], { codes: USAGE }),
  cliCase('usage/schedule-unknown', 'an unknown schedule subcommand', ['schedule', 'explode'], { codes: USAGE }),
  cliCase('usage/sample-data-junk-size', 'sample-data --size-mb abc', ['sample-data', '--size-mb', 'abc'], { message: /size/i }),
  cliCase('usage/sample-data-negative', 'sample-data --size-mb -5', ['sample-data', '--size-mb', '-5'], { message: /size/i }),
  cliCase('usage/sample-data-huge', 'sample-data --size-mb 1e9', ['sample-data', '--size-mb', '1e9'], { message: /size/i }),
];

const pathCases: HostileCase[] = [
  cliCase('files/inspect-missing', 'inspect of a file that does not exist', ['inspect', '/nonexistent/job.tar.gz'], { message: /nonexistent/ }),
  cliCase('files/inspect-dev-zero', 'inspect of /dev/zero (must not read forever)', ['inspect', '/dev/zero']),
  cliCase('files/inspect-dev-urandom', 'inspect of /dev/urandom', ['inspect', '/dev/urandom']),
  cliCase('files/inspect-directory', 'inspect of a folder', ['inspect', '/etc']),
  cliCase('files/inspect-etc-passwd', 'inspect of a file that is not a tarball', ['inspect', '/etc/passwd']),
  cliCase('files/inspect-fifo', 'inspect of a FIFO nobody writes to', async (targets) => {
    const fifo = join(await targets.folder('cli-fifo'), 'job.tar.gz');
    execFileSync('mkfifo', [fifo]);
    return ['inspect', fifo];
  }),
  cliCase('files/pack-missing-dir', 'pack of a folder that does not exist', ['pack', '/nonexistent/job', '-o', '/tmp/never-written.tar.gz']),
  cliCase('files/pack-output-inside', 'pack writing its tarball inside the folder packed', async (targets) => {
    const dir = await targets.folder('cli-pack');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    return ['pack', dir, '-o', join(dir, 'self.tar.gz')];
  }),
  cliCase('files/pack-output-dev-full', 'pack writing to /dev/full', async (targets) => {
    const dir = await targets.folder('cli-pack-full');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    return ['pack', dir, '-o', '/dev/full'];
  }),
  cliCase('files/run-missing-dir', 'run of a job folder that does not exist', ['run', '/nonexistent/job', '--local']),
  {
    id: 'files/run-worker-shell-characters',
    category,
    description: 'run on a worker named with shell characters (never run)',
    timeoutMs: CLI_TIMEOUT_MS + 5_000,
    async run(targets) {
      const dir = await targets.folder('cli-worker-name');
      const result = await targets.cli(['run', 'resources/examples/os-distribution', '--worker', `$(touch ${dir}/INJECTED);x`], { timeoutMs: CLI_TIMEOUT_MS });
      if ((await listTree(dir)).length > 0) return accepted('the injected command ran');
      return judgeCli(result);
    },
  },
  cliCase('files/data-dir-is-file', '--data-dir naming a file', ['info', '--data-dir', '/etc/passwd']),
  cliCase('files/data-dir-dev-null', '--data-dir /dev/null', ['info', '--data-dir', '/dev/null']),
  cliCase('files/schedule-history-traversal', 'schedule history of ../../etc', ['schedule', 'history', '../../etc']),
  cliCase('files/schedule-delete-missing', 'schedule delete of a schedule that does not exist', ['schedule', 'delete', 'nope', '--yes']),
];

/** Names with terminal escapes and bidi overrides: shown escaped, never raw. */
const hostileNames: [string, string][] = [
  ['csi-colour', '\u001b[31mred\u001b[0m'],
  ['osc-title', '\u001b]0;pwned\u0007'],
  ['clear-screen', '\u001b[2J\u001b[H'],
  ['bidi-override', 'evil\u202egpj.sh'],
  ['bidi-isolate', 'a\u2066b\u2069c'],
  ['c1-csi', 'x\u009b31my'],
  ['backspace', 'safe.txt\b\b\b\bevil'],
  ['carriage-return', 'ok.txt\rEVIL'],
];

const nameCases: HostileCase[] = hostileNames.flatMap(([id, name]) => [
  cliCase(`names/inspect-entry-${id}`, `inspect of a tarball holding an entry named ${brief(name)}`, async (targets) => {
    const file = join(await targets.folder(`names-${id}`), 'names.tar.gz');
    await writeRawTarGz(file, [
      { header: { name: 'run.sh', mode: 0o755 }, body: '#!/bin/sh\n' },
      { header: { name }, body: 'x' },
      { header: { name: 'link', type: 'symlink', linkname: name } },
    ]);
    return ['inspect', file];
  }),
  cliCase(`names/missing-file-${id}`, `inspect of a missing file named ${brief(name)}`, async (targets) => ['inspect', join(await targets.folder(`missing-${id}`), name)]),
]);

const WELL_FORMED_RUN_ID = '20261207-031500-a1b2c3';
const FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

/** Commands that follow or look up runs and workers: a refusal in bounded time, naming what was asked for. */
const runCases: HostileCase[] = [
  cliCase('runs/attach-not-an-id', 'attach of something that is not a run id', ['attach', 'nope'], { message: /"nope"/ }),
  cliCase('runs/attach-traversal', 'attach of a run id that climbs out', ['attach', '../../etc/passwd'], { message: /etc\/passwd/ }),
  cliCase('runs/attach-unknown', 'attach of a well-formed run id nobody started', ['attach', WELL_FORMED_RUN_ID], { message: new RegExp(WELL_FORMED_RUN_ID) }),
  cliCase('runs/attach-nothing', 'attach with no run id', ['attach'], { codes: USAGE }),
  cliCase('runs/runs-bad-limit', 'runs --limit junk', ['runs', '--limit', 'junk'], { codes: USAGE, message: /--limit/ }),
  cliCase('runs/runs-unknown-flag', 'runs with an unknown flag', ['runs', '--all-of-them'], { codes: USAGE }),
  cliCase('runs/detach-without-target', 'run --detach with neither --local nor --worker', ['run', 'resources/examples/os-distribution', '--detach'], { codes: USAGE }),
  cliCase('runs/call-jobs-log-unknown', 'call jobs:log of a run nobody started (must end, not follow forever)', ['call', 'jobs:log', JSON.stringify({ runId: WELL_FORMED_RUN_ID, offset: 0 })], { message: new RegExp(WELL_FORMED_RUN_ID) }),
  cliCase('runs/call-jobs-get-traversal', 'call jobs:get of a run id that climbs out', ['call', 'jobs:get', '{"runId":"../../etc"}'], { message: /jobs:get/ }),
  cliCase('worker/trust-unknown', 'worker trust of a worker that does not exist', ['worker', 'trust', 'nope', '--fingerprint', FINGERPRINT], { message: /nope/ }),
  cliCase('worker/trust-junk-fingerprint', 'worker trust with a fingerprint that is not one', ['worker', 'trust', 'nope', '--fingerprint', 'SHA256:junk'], { codes: USAGE, message: /fingerprint/ }),
  cliCase('worker/trust-no-fingerprint', 'worker trust without --fingerprint', ['worker', 'trust', 'nope'], { codes: USAGE, message: /fingerprint/ }),
  cliCase('worker/terminate-unknown', 'worker terminate of a worker that does not exist', ['worker', 'terminate', 'ec2-00000000', '--yes'], { message: /ec2-00000000|no .*worker/i }),
];

export const cliCases: HostileCase[] = [...portCases, ...usageCases, ...pathCases, ...nameCases, ...runCases];
