import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CALL_NAMES } from '../../../src/shared/contract.ts';
import type { CallResult } from '../../../src/shared/protocol.ts';
import type { BrowserHost } from '../browser-host.ts';
import { accepted, brief, crashed, refused, traceIn, type HostileCase, type Outcome } from '../harness.ts';
import { writeRawTarGz } from '../../fixtures/hostile-tar.ts';
import { startMoto } from '../../fixtures/moto.ts';
import { listTree, type Targets } from '../targets.ts';

// Contract calls over the browser host's WebSocket, as the page makes them: every call with
// inputs of the wrong shape, then the calls that take paths, names, filters and files.

const category = 'contract' as const;

/** A refusal: an error result that is not an unhandled one, with a message. */
export function judgeRefusal(name: string, result: CallResult, options: { codes?: string[]; message?: RegExp } = {}): Outcome {
  if (result.ok) return accepted(`${name} answered ok: ${brief(result.value, 120)}`);
  const { code, message } = result.error;
  if (code === 'CLOSED') return crashed(`the socket closed instead of an answer: ${message}`);
  // What the dispatcher makes of anything thrown that is not a WorkbenchError (src/shared/errors.ts).
  if (code === 'INTERNAL' && message.startsWith('Unexpected error:')) return crashed(`an unhandled error: ${brief(message, 200)}`);
  const trace = traceIn(message);
  if (trace) return crashed(`the message carries a trace (${trace}): ${brief(message, 160)}`);
  if (options.codes && !options.codes.includes(code)) return accepted(`refused with ${code}, not ${options.codes.join('/')}: ${brief(message, 160)}`);
  if (options.message && !options.message.test(message)) return accepted(`the message does not say what to fix (${options.message}): ${brief(message, 200)}`);
  return refused(`${code}: ${message}`);
}

function callCase(id: string, description: string, name: string, inputJson: string | undefined, options: { codes?: string[]; message?: RegExp; timeoutMs?: number } = {}): HostileCase {
  return {
    id,
    category,
    description,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    async run(targets) {
      const host = await targets.host();
      return judgeRefusal(name, await host.callText(name, inputJson), options);
    },
  };
}

/** Keys that pollute Object.prototype when merged naively, each planting a `path`. */
const POLLUTED_PATH = '/hostile/polluted.tar.gz';
const POLLUTION = JSON.stringify({ prototype: { path: POLLUTED_PATH } })
  .replace(/^\{/, `{"__proto__":{"path":"${POLLUTED_PATH}"},"constructor":{"prototype":{"path":"${POLLUTED_PATH}"}},`);
const DEEP = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;

/** Every call, five wrong shapes each: what the schema must refuse, naming the call. */
const everyCall: HostileCase[] = CALL_NAMES.flatMap((name) => {
  const named = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `);
  const variants: [string, string, string][] = [
    ['number', 'a number instead of an object', '42'],
    ['array', 'an array', '[{"path":"/etc/passwd"}]'],
    ['string-1MiB', 'a 1 MiB string', JSON.stringify('x'.repeat(1024 * 1024))],
    ['deep-object', 'an object nested 20,000 deep', DEEP],
    ['unknown-field', 'an object with only an unknown field', '{"zzUnknown":1}'],
  ];
  const cases = variants.map(([variant, description, input]) => callCase(`every-call/${name}/${variant}`, `${name} with ${description}`, name, input, { codes: ['BAD_INPUT'], message: named }));
  cases.push({
    id: `every-call/${name}/prototype-keys`,
    category,
    description: `${name} with __proto__, constructor and prototype keys`,
    async run(targets) {
      const host = await targets.host();
      const outcome = judgeRefusal(name, await host.callText(name, POLLUTION), { codes: ['BAD_INPUT'], message: named });
      // Had Object.prototype gained a `path`, the schema would read it for an input without one.
      const probe = await host.call('packager:inspect', {});
      if (probe.ok || probe.error.message.includes(POLLUTED_PATH)) return accepted(`every object in the host now has a path: packager:inspect {} answered ${brief(probe, 160)}`);
      return outcome;
    },
  });
  return cases;
});

const unknownNames = ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'app:info\u0000', ' app:info', 'APP:INFO', '', 'app:info\u202e', 'jobs:start/../app:info'];
const unknownCalls: HostileCase[] = unknownNames.map((name, i) =>
  callCase(`unknown-call/${i}-${brief(name, 20).replace(/[^A-Za-z0-9:_-]/g, '_')}`, `a call name that does not exist: ${brief(name)}`, name, undefined, { codes: ['UNKNOWN_CALL'], message: /There is no call named/ }),
);

/** The workspace the path cases work in, one per host (a restarted host has a new data folder). */
const workspaces = new WeakMap<BrowserHost, Promise<string>>();
function workspaceOf(host: BrowserHost): Promise<string> {
  let root = workspaces.get(host);
  if (!root) {
    root = host.call('workspace:new', { name: 'hostile-paths', from: { kind: 'template' } }).then((r) => {
      if (!r.ok) throw new Error(`workspace:new failed: ${r.error.message}`);
      return (r.value as { root: string }).root;
    });
    workspaces.set(host, root);
  }
  return root;
}

const badRelative = ['../outside.txt', '../../../../../../tmp/hostile-outside.txt', '/etc/passwd', 'a/../../outside.txt', '..', '.', 'x\u0000y', 'sub/../../outside.txt', '..\\outside.txt', `${'a/'.repeat(3000)}x`];
function pathCases(): HostileCase[] {
  const calls: [string, (root: string, path: string) => unknown][] = [
    ['workspace:read', (root, path) => ({ root, path })],
    ['workspace:write', (root, path) => ({ root, path, text: 'hostile' })],
    ['workspace:create', (root, path) => ({ root, path, kind: 'file' })],
    ['workspace:rename', (root, path) => ({ root, from: 'run.sh', to: path })],
    ['workspace:delete', (root, path) => ({ root, path })],
  ];
  return calls.flatMap(([name, input]) =>
    badRelative.map((path, i) => ({
      id: `workspace-path/${name}/${i}`,
      category,
      description: `${name} with a path that climbs out or is malformed: ${brief(path, 40)}`,
      async run(targets: Targets) {
        const host = await targets.host();
        const root = await workspaceOf(host);
        const before = await listTree(host.dataHome);
        const result = await host.call(name, input(root, path));
        const after = await listTree(host.dataHome);
        const changed = after.filter((p) => !before.includes(p) && !p.startsWith('analysis-workbench/workspaces/hostile-paths'));
        if (changed.length > 0) return accepted(`written outside the workspace: ${changed.slice(0, 3).join(', ')}`);
        if (result.ok && JSON.stringify(result.value).includes('root:x:0:0')) return accepted('read /etc/passwd');
        return judgeRefusal(name, result);
      },
    })),
  );
}

const badJobNames = ['../evil', '/abs', 'a/b', '.hidden', 'x'.repeat(300), 'name\u0000', 'a\u202eb', ''];
const jobNameCases: HostileCase[] = badJobNames.map((name, i) => ({
  id: `workspace-new/${i}`,
  category,
  description: `workspace:new named ${brief(name, 30)}`,
  async run(targets) {
    const host = await targets.host();
    const before = await listTree(host.dataHome);
    const result = await host.call('workspace:new', { name, from: { kind: 'template' } });
    const added = (await listTree(host.dataHome)).filter((p) => !before.includes(p));
    if (added.some((p) => !p.startsWith('analysis-workbench/workspaces/'))) return accepted(`written outside workspaces/: ${added.slice(0, 3).join(', ')}`);
    return judgeRefusal('workspace:new', result);
  },
}));

/** A special file or folder where a tarball is expected: refused at once, never read forever. */
function specialFileCases(): HostileCase[] {
  const specials: [string, (targets: Targets) => Promise<string>][] = [
    ['dev-zero', async () => '/dev/zero'],
    ['dev-urandom', async () => '/dev/urandom'],
    ['dev-null', async () => '/dev/null'],
    ['proc-self-mem', async () => '/proc/self/mem'],
    ['directory', async () => '/etc'],
    [
      'fifo',
      async (targets) => {
        const fifo = join(await targets.folder('fifo'), 'job.tar.gz');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
    ],
    ['missing', async () => '/nonexistent/job.tar.gz'],
    [
      'not-a-tarball',
      async (targets) => {
        const file = join(await targets.folder('not-tar'), 'job.tar.gz');
        await writeFile(file, 'this is not a tarball\n');
        return file;
      },
    ],
  ];
  return specials.flatMap(([name, make]) => [
    {
      id: `special-file/packager:inspect/${name}`,
      category,
      description: `packager:inspect of ${name}`,
      async run(targets: Targets) {
        const host = await targets.host();
        return judgeRefusal('packager:inspect', await host.call('packager:inspect', { path: await make(targets) }));
      },
    },
    {
      id: `special-file/schedules:create/${name}`,
      category,
      description: `a local schedule whose code tarball is ${name}`,
      async run(targets: Targets) {
        const host = await targets.host();
        const scheduleName = `hostile-${name}`;
        const result = await host.call('schedules:create', { name: scheduleName, tarball: await make(targets), frequency: { kind: 'daily' }, backend: 'local' });
        if (result.ok) await host.call('schedules:delete', { name: scheduleName });
        return judgeRefusal('schedules:create', result);
      },
    },
  ]);
}

const scheduleTarballCases: HostileCase[] = [
  ['etc-passwd', async () => '/etc/passwd'],
  [
    'absolute-paths',
    async (targets: Targets) => {
      const file = join(await targets.folder('abs-tar'), 'abs.tar.gz');
      await writeRawTarGz(file, [{ header: { name: 'run.sh', mode: 0o755 }, body: '#!/bin/sh\n' }, { header: { name: '/tmp/hostile-abs.txt' }, body: 'escaped' }]);
      return file;
    },
  ],
  [
    'traversal',
    async (targets: Targets) => {
      const file = join(await targets.folder('dotdot-tar'), 'dotdot.tar.gz');
      await writeRawTarGz(file, [{ header: { name: 'run.sh', mode: 0o755 }, body: '#!/bin/sh\n' }, { header: { name: '../../escaped.txt' }, body: 'escaped' }]);
      return file;
    },
  ],
].map(([name, make]) => ({
  id: `schedule-tarball/${name as string}`,
  category,
  description: `a local schedule whose code tarball is ${name as string}`,
  async run(targets: Targets) {
    const host = await targets.host();
    const scheduleName = `hostile-tar-${name as string}`;
    const result = await host.call('schedules:create', { name: scheduleName, tarball: await (make as (t: Targets) => Promise<string>)(targets), frequency: { kind: 'daily' }, backend: 'local' });
    if (result.ok) await host.call('schedules:delete', { name: scheduleName });
    return judgeRefusal('schedules:create', result);
  },
}));

/** A run must never start with a filter the worker cannot read; cancelled at once if it did. */
function filterCase(id: string, description: string, filter: string, message?: RegExp): HostileCase {
  return {
    id: `filter/${id}`,
    category,
    description,
    timeoutMs: 10_000,
    async run(targets) {
      const host = await targets.host();
      // An existing (empty) data set, so that only the filter can be the reason to refuse.
      const dataDir = await targets.folder('empty-data-set');
      const result = await host.call('jobs:start', { source: { kind: 'example', name: 'os-distribution' }, filter, dataDir });
      if (result.ok) await host.call('jobs:cancel', { runId: (result.value as { id: string }).id });
      return judgeRefusal('jobs:start', result, message ? { message } : {});
    },
  };
}

const filterCases: HostileCase[] = [
  filterCase('deep-100000', 'a filter nested 100,000 deep', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /deep|nest/i),
  filterCase('deep-objects-50000', 'a filter of objects nested 50,000 deep', `${'{"reason":'.repeat(50_000)}1${'}'.repeat(50_000)}`, /deep|nest/i),
  filterCase('not-json', 'a filter that is not JSON', '{"reason": [', /filter|JSON/i),
  filterCase('over-limit', 'a filter over 1,000,000 characters', JSON.stringify({ reason: ['x'.repeat(1_000_001)] })),
];

const oversize: HostileCase[] = [
  callCase('huge/terminal-input', 'terminal:input of 1,000,001 characters', 'terminal:input', JSON.stringify({ terminalId: 'nope', data: 'x'.repeat(1_000_001) }), { codes: ['BAD_INPUT'] }),
  callCase('huge/inspect-path', 'packager:inspect of a 5,000-character path', 'packager:inspect', JSON.stringify({ path: `/${'a'.repeat(5000)}` }), { codes: ['BAD_INPUT'] }),
  callCase('huge/local-list-path', 'local:list of a 5,000-character path', 'local:list', JSON.stringify({ path: `/${'a'.repeat(5000)}` }), { codes: ['BAD_INPUT'] }),
  callCase('huge/app-info-deep', 'app:info with an input nested 100,000 deep', 'app:info', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, { codes: ['BAD_INPUT'] }),
  callCase('huge/settings-set-many-keys', 'settings:set with 100,000 keys', 'settings:set', JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]))), { codes: ['BAD_INPUT'] }),
];

/** Loopback only (WORKBENCH_LOOPBACK_ONLY=1): an SSH host that is not this machine is refused, before any lookup. */
const remoteHosts = ['example.com', 'localhost.example.com', '127.0.0.1.nip.io', '8.8.8.8', '[2001:db8::1]', '10.0.0.1', '0x7f.1'];
const loopbackCases: HostileCase[] = remoteHosts.map((host, i) => ({
  id: `loopback-only/${i}-${host.replace(/[^A-Za-z0-9.-]/g, '_')}`,
  category,
  description: `an SSH worker at ${host} while only loopback is allowed`,
  timeoutMs: 10_000,
  async run(targets: Targets) {
    const workbench = await targets.host();
    const added = await workbench.call('workers:add-ssh', { name: `remote-${i}`, host });
    if (!added.ok) return judgeRefusal('workers:add-ssh', added, { message: /loopback|this computer|127\.0\.0\.1|localhost/i });
    const workerId = (added.value as { id: string }).id;
    try {
      return judgeRefusal('workers:connect', await workbench.call('workers:connect', { workerId }), { message: /loopback|this computer|127\.0\.0\.1|localhost/i });
    } finally {
      await workbench.call('workers:remove', { workerId });
    }
  },
}));

/** A browser host whose AWS is a moto_server, one per category run (both stopped at its end). */
const motoHosts = new WeakMap<Targets, Promise<BrowserHost>>();
function motoHost(targets: Targets): Promise<BrowserHost> {
  let host = motoHosts.get(targets);
  if (!host) {
    host = (async () => {
      const moto = await startMoto();
      targets.onClose(() => moto.stop());
      const home = await targets.folder('moto-host');
      await writeFile(join(home, 'aws-config'), '[default]\nregion = us-east-1\n');
      await writeFile(join(home, 'aws-credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
      return targets.ownHost(home, {
        AWS_CONFIG_FILE: join(home, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
        AWS_ENDPOINT_URL: moto.endpoint,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      });
    })();
    motoHosts.set(targets, host);
  }
  return host;
}

/** A launch retried with the first one's client token but something else changed: refused, naming the change. */
const retriedLaunches: [string, Record<string, unknown>, RegExp][] = [
  ['other-name', { name: 'hostile-other' }, /name/i],
  ['other-type', { instanceType: 't3.large' }, /type|t3\.large/i],
  ['other-lifetime', { lifetimeHours: 3 }, /lifetime|hours/i],
  ['other-region', { region: 'eu-west-1' }, /region|eu-west-1/i],
];
const launchRetryCases: HostileCase[] = retriedLaunches.map(([id, change, message], i) => ({
  id: `ec2-launch-retry/${id}`,
  category,
  description: `ec2:launch retried with the same client token and ${id.replace('other-', 'another ')}`,
  timeoutMs: 60_000,
  async run(targets: Targets) {
    const host = await motoHost(targets);
    const first = { name: `hostile-first-${i}`, region: 'us-east-1', instanceType: 't3.medium', lifetimeHours: 1, allowedCidr: '203.0.113.7/32', clientToken: `hostile-token-${i}-0000` };
    const launched = await host.call('ec2:launch', first);
    if (!launched.ok) return crashed(`the first launch failed: ${launched.error.message}`);
    const retried = await host.call('ec2:launch', { ...first, ...change });
    if (retried.ok) return accepted(`the retry returned a worker (${brief((retried.value as { name: string }).name)}) instead of refusing the difference`);
    return judgeRefusal('ec2:launch', retried, { message });
  },
}));

export const contractCases: HostileCase[] = [...everyCall, ...unknownCalls, ...pathCases(), ...jobNameCases, ...specialFileCases(), ...scheduleTarballCases, ...filterCases, ...oversize, ...loopbackCases, ...launchRetryCases];
