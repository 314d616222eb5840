import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserHost } from '../browser-host.ts';
import { accepted, brief, refused, type HostileCase, type Outcome } from '../harness.ts';
import type { Targets } from '../targets.ts';
import { judgeRefusal } from './contract.ts';
import { judgeCli } from './cli.ts';
import { httpRequest } from '../http.ts';

// Secrets that must never be shown back: what a failing credential_process prints or is given,
// keys typed into a form, the host's access token. Each is a marker string that must not appear
// in what the page, the CLI or the host's log shows.

const category = 'secrets' as const;

/** Profiles in an AWS config file whose every way of failing carries a marked secret. */
const PROFILES: Record<string, { lines: string; secret: string }> = {
  'process-stderr': { secret: 'HOSTILE-SECRET-STDERR-91c2', lines: `credential_process = sh -c 'echo "token=HOSTILE-SECRET-STDERR-91c2" >&2; exit 1'` },
  'process-argv': { secret: 'HOSTILE-SECRET-ARGV-77ad', lines: 'credential_process = /bin/false --password HOSTILE-SECRET-ARGV-77ad' },
  'process-bad-json': {
    secret: 'HOSTILE-SECRET-JSON-3f10',
    lines: `credential_process = sh -c 'echo "{\\"Version\\": 1, \\"AccessKeyId\\": \\"AKIAHOSTILE\\", \\"SecretAccessKey\\": \\"HOSTILE-SECRET-JSON-3f10\\""'`,
  },
  'process-wrong-version': {
    secret: 'HOSTILE-SECRET-VERSION-e5b4',
    lines: `credential_process = sh -c 'echo "{\\"Version\\": 2, \\"AccessKeyId\\": \\"AKIAHOSTILE\\", \\"SecretAccessKey\\": \\"HOSTILE-SECRET-VERSION-e5b4\\"}"'`,
  },
  'process-stdout-and-fail': { secret: 'HOSTILE-SECRET-STDOUT-0b9e', lines: `credential_process = sh -c 'echo "secret HOSTILE-SECRET-STDOUT-0b9e"; exit 3'` },
  'process-missing-program': { secret: 'HOSTILE-SECRET-MISSING-44c1', lines: 'credential_process = /nonexistent/helper --key HOSTILE-SECRET-MISSING-44c1' },
  'static-no-key-id': { secret: 'HOSTILE-SECRET-STATIC-8a2f', lines: 'aws_secret_access_key = HOSTILE-SECRET-STATIC-8a2f' },
  'static-unreachable-sts': { secret: 'HOSTILE-SECRET-STS-c3d7', lines: 'aws_access_key_id = AKIAHOSTILEHOSTILE12\naws_secret_access_key = HOSTILE-SECRET-STS-c3d7\nregion = eu-west-1' },
};
const ALL_SECRETS = Object.values(PROFILES).map((p) => p.secret);

async function awsEnv(targets: Targets): Promise<NodeJS.ProcessEnv> {
  const dir = join(targets.scratch, 'aws');
  await mkdir(dir, { recursive: true });
  const config = Object.entries(PROFILES)
    .map(([name, { lines }]) => `[profile ${name}]\n${lines}\nregion = eu-west-1\n`)
    .join('\n');
  await writeFile(join(dir, 'config'), config);
  await writeFile(join(dir, 'credentials'), '');
  return {
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    // A closed local port: the STS call fails without leaving the machine.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** The category's host reads the hostile AWS config (started by the first case). */
async function secretsHost(targets: Targets): Promise<BrowserHost> {
  if (!targets.hostStarted) targets.hostEnv = await awsEnv(targets);
  return targets.host();
}

/** A case judged by `check` against the category's host. */
function secretsHostCase(id: string, description: string, check: (host: BrowserHost) => Promise<Outcome>, limits: Pick<HostileCase, 'timeoutMs'> = {}): HostileCase {
  return { id, category, description, ...limits, run: async (targets) => check(await secretsHost(targets)) };
}

function leaked(text: string, secrets: string[] = ALL_SECRETS): string | undefined {
  return secrets.find((s) => text.includes(s));
}

const checkCases: HostileCase[] = Object.entries(PROFILES).map(([name, { secret }]) =>
  secretsHostCase(
    `aws-check/${name}`,
    `aws:check of a profile whose ${name.replace(/-/g, ' ')} carries a secret`,
    async (host) => {
      const result = await host.call('aws:check', { ref: `profile:${name}` });
      if (leaked(JSON.stringify(result), [secret])) return accepted(`the secret reached the page: ${brief(result, 240)}`);
      return judgeRefusal('aws:check', result, { message: /credential|profile|terminal|key|sign|connect|reach/i });
    },
    { timeoutMs: 15_000 },
  ),
);

const profileListCase = secretsHostCase('aws-profiles/list', 'aws:profiles lists names and regions only', async (host) => {
  const result = await host.call('aws:profiles');
  const secret = leaked(JSON.stringify(result));
  if (secret) return accepted(`aws:profiles shows ${secret}`);
  if (JSON.stringify(result).includes('credential_process') || JSON.stringify(result).includes('/bin/false')) return accepted(`aws:profiles shows a command line: ${brief(result, 200)}`);
  return result.ok ? refused('names and regions only') : judgeRefusal('aws:profiles', result);
});

const storeKeysCases: HostileCase[] = [
  ['no-keychain', { name: 'typed', accessKeyId: 'AKIAHOSTILEHOSTILE12', secretAccessKey: 'HOSTILE-SECRET-TYPED-5e6f-0000' }],
  ['bad-key-id', { name: 'typed', accessKeyId: 'HOSTILE-SECRET-KEYID-9d8c', secretAccessKey: 'HOSTILE-SECRET-TYPED-5e6f-0001' }],
  ['short-secret', { name: 'typed', accessKeyId: 'AKIAHOSTILEHOSTILE12', secretAccessKey: 'HOSTILE-SHORT' }],
].map(([id, input]) =>
  secretsHostCase(`store-keys/${id as string}`, `aws:store-keys on the browser host (${id as string}): the refusal never quotes the keys`, async (host) => {
    const result = await host.call('aws:store-keys', input);
    const values = Object.values(input as Record<string, string>).filter((v) => v.startsWith('HOSTILE'));
    const shown = values.find((v) => JSON.stringify(result).includes(v));
    if (shown) return accepted(`the refusal quotes ${shown}: ${brief(result, 200)}`);
    return judgeRefusal('aws:store-keys', result);
  }),
);

const tokenCases: HostileCase[] = ['app:info', 'settings:get', 'workers:list', 'transfers:list'].map((name) =>
  secretsHostCase(`token/${name}`, `${name} never carries the host's access token`, async (host) => {
    const result = await host.call(name);
    if (JSON.stringify(result).includes(host.token)) return accepted(`${name} shows the access token`);
    return result.ok ? refused('no token') : judgeRefusal(name, result);
  }),
);

const cliCases: HostileCase[] = ['process-stderr', 'process-argv', 'process-bad-json', 'static-no-key-id'].map((name) => ({
  id: `cli/aws-check-${name}`,
  category,
  description: `workbench call aws:check of ${name}: the terminal never shows the secret`,
  timeoutMs: 20_000,
  async run(targets: Targets) {
    const result = await targets.cli(['call', 'aws:check', JSON.stringify({ ref: `profile:${name}` })], { env: await awsEnv(targets), timeoutMs: 15_000 });
    const secret = leaked(result.stdout + result.stderr, [PROFILES[name]!.secret]);
    if (secret) return accepted(`the terminal shows ${secret}: ${brief(result.stderr, 200)}`);
    return judgeCli(result);
  },
}));

/** Hostile requests that carry the real token: neither the answer nor the log repeats it. */
const refusedWithToken: HostileCase[] = [
  ['foreign-host', (h: BrowserHost) => ({ path: `/?token=${h.token}`, headers: { Host: 'evil.example' } })],
  ['foreign-origin-upload', (h: BrowserHost) => ({ method: 'POST', path: `/upload/batch?token=${h.token}`, headers: { Host: h.hostHeader, Origin: 'http://evil.example', Cookie: h.cookie } })],
  ['asset-traversal', (h: BrowserHost) => ({ path: `/../../etc/passwd?token=${h.token}`, headers: { Host: h.hostHeader } })],
].map(([id, request]) =>
  secretsHostCase(`token/refused-${id as string}`, `a hostile request carrying the real token (${id as string}): the answer does not repeat it (the address bar keeps no token)`, async (host) => {
    const answer = await httpRequest(host.port, (request as (h: BrowserHost) => Parameters<typeof httpRequest>[1])(host));
    // The session cookie is where the token is meant to go (when it was right); nowhere else.
    const { 'set-cookie': _cookie, ...headers } = answer.headers;
    if (answer.body.includes(host.token) || JSON.stringify(headers).includes(host.token)) return accepted(`HTTP ${answer.status} repeats the token outside the session cookie`);
    return answer.status >= 400 ? refused(`HTTP ${answer.status}`) : answer.status === 303 ? refused('traded for the session cookie (the token was right)') : accepted(`HTTP ${answer.status}`);
  }),
);

/** Last: everything the host printed while the cases above ran. */
const logCase = secretsHostCase('host-log/after-all', "the host's own output after every secret above was tried", async (host) => {
  const secret = leaked(host.output());
  if (secret) return accepted(`the host's log shows ${secret}`);
  // The URL printed at start carries the token once, for the user to open; nothing else may repeat it.
  const tokens = host.output().split(host.token).length - 1;
  return tokens === 1 ? refused('no secret in the log; the token only in the start-up URL') : accepted(`the host's log shows its access token ${tokens} times`);
});

export const secretCases: HostileCase[] = [...checkCases, profileListCase, ...storeKeysCases, ...tokenCases, ...refusedWithToken, ...cliCases, logCase];
