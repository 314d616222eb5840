import { lookup as dnsLookup } from 'node:dns/promises';
import net from 'node:net';
import { WorkbenchError } from '../../../shared/errors.ts';

/**
 * The loopback guard. Tests run the app against moto_server and a local sshd, and moto hands out
 * public-looking EC2 addresses; one mapping mistake must not turn a test run into traffic to a
 * stranger's machine. With `WORKBENCH_LOOPBACK_ONLY=1` every outgoing connection the app makes
 * goes through here and may target loopback only; without it the guard steps aside.
 */

export const LOOPBACK_ONLY_ENV = 'WORKBENCH_LOOPBACK_ONLY';

/** Read at call time, not import time, so a host (or a test) can set it after loading us. */
export function loopbackOnly(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[LOOPBACK_ONLY_ENV] === '1';
}

// Node's own address parser decides what an address is, so the many spellings of one address
// (`::1`, `0:0:0:0:0:0:0:1`, `::ffff:127.0.0.1`, `::ffff:7f00:1`) cannot slip past a string test.
// BlockList also matches IPv4-mapped IPv6 addresses against the IPv4 subnet.
const LOOPBACK = new net.BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x addresses. Anything that is not an IP literal
 * (a host name, `[::1]` with brackets, `0.0.0.0`, `::`) is false: callers resolve names first.
 */
export function isLoopbackAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  return LOOPBACK.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

export type LookupAll = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemLookup: LookupAll = (host) => dnsLookup(host, { all: true });

export interface GuardOptions {
  env?: NodeJS.ProcessEnv;
  /** Name resolution; the system resolver unless a test passes its own. */
  lookup?: LookupAll;
}

function refuse(host: string, detail: string): WorkbenchError {
  return new WorkbenchError(
    'LOOPBACK_ONLY',
    `Refused to connect to ${host}: ${detail}. ${LOOPBACK_ONLY_ENV}=1 allows only loopback addresses ` +
      `(127.0.0.0/8, ::1); map the host to 127.0.0.1 (for example in ssh_config) or unset ${LOOPBACK_ONLY_ENV}.`,
  );
}

/** `[::1]` (as in URLs and ssh destinations) -> `::1`; anything else unchanged. */
function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The address to connect to for `host`. With the flag set, an IP literal must be loopback; the
 * only name accepted is `localhost`, and any other name is refused before it is resolved, since
 * the lookup itself may already send the name to a DNS server outside this machine. `localhost`
 * is resolved and refused if ANY of its addresses is not loopback (the OS might pick that one);
 * the caller then connects to the returned address, never to the name again, so a second
 * resolution cannot answer differently. With the flag unset, `host` is returned as given.
 */
export async function resolveAllowedTarget(host: string, options: GuardOptions = {}): Promise<string> {
  const target = unbracket(host.trim());
  if (!loopbackOnly(options.env)) return target;
  if (target === '') throw refuse('(empty host)', 'no host was given');
  if (net.isIP(target) !== 0) {
    if (isLoopbackAddress(target)) return target;
    throw refuse(host, `${target} is not a loopback address`);
  }
  if (target.toLowerCase() !== 'localhost') {
    throw refuse(host, 'it is a host name, and no name but localhost is looked up in this mode (the lookup could reach a DNS server)');
  }
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await (options.lookup ?? systemLookup)(target);
  } catch (err) {
    throw new WorkbenchError('UNAVAILABLE', `Could not resolve ${host}: ${(err as Error).message}`, { cause: err });
  }
  const outside = addresses.filter((a) => !isLoopbackAddress(a.address));
  const first = addresses[0];
  if (first === undefined) throw refuse(host, 'the name resolved to no address');
  if (outside.length > 0) {
    throw refuse(host, `it resolves to ${outside.map((a) => a.address).join(', ')}, which is not loopback`);
  }
  return first.address;
}

export interface ConnectOptions extends GuardOptions {
  /** Give up connecting after this long (TIMEOUT); no limit when absent. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * A connected TCP socket to `host:port`, checked by the guard BEFORE any socket exists. Made to be
 * handed to ssh2 as its `sock` option (a connected net.Socket, nothing read from it yet); attach
 * your own 'error' listener right away, since ours is removed once connected.
 */
export async function connectGuarded(host: string, port: number, options: ConnectOptions = {}): Promise<net.Socket> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new WorkbenchError('BAD_INPUT', `Port ${port} of ${host} is not a valid TCP port (1-65535).`);
  }
  options.signal?.throwIfAborted();
  const address = await resolveAllowedTarget(host, options);
  options.signal?.throwIfAborted();
  const where = address === host ? `${host}:${port}` : `${host}:${port} (${address})`;

  return new Promise<net.Socket>((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    let timer: NodeJS.Timeout | undefined;
    const settle = (err?: Error): void => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('error', onError);
      options.signal?.removeEventListener('abort', onAbort);
      if (err === undefined) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const onConnect = (): void => settle();
    const onError = (err: Error): void =>
      settle(new WorkbenchError('UNAVAILABLE', `Could not connect to ${where}: ${err.message}`, { cause: err }));
    const onAbort = (): void => settle(options.signal?.reason as Error);
    socket.once('connect', onConnect);
    socket.once('error', onError);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.timeoutMs !== undefined) {
      timer = setTimeout(
        () => settle(new WorkbenchError('TIMEOUT', `Connecting to ${where} took longer than ${options.timeoutMs} ms.`)),
        options.timeoutMs,
      );
    }
  });
}

/**
 * For AWS SDK clients, which open their own connections: with the flag set, the client must be
 * given an explicit endpoint (else it would reach real AWS) whose host is a loopback IP or
 * `localhost`. Synchronous, so no resolution: other names are refused. Use it with path-style S3
 * addressing (`forcePathStyle`), or the SDK would prefix the bucket to the checked host name.
 */
export function assertLoopbackEndpoint(url: string | URL | undefined, options: Pick<GuardOptions, 'env'> = {}): void {
  if (!loopbackOnly(options.env)) return;
  if (url === undefined || String(url).trim() === '') {
    throw refuse('AWS', 'no endpoint was configured, so the SDK would contact the real AWS');
  }
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw refuse(String(url), 'the endpoint is not a URL (expected http://127.0.0.1:PORT)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw refuse(String(url), `the endpoint's scheme ${parsed.protocol} is not http or https`);
  }
  const host = unbracket(parsed.hostname);
  if (host === 'localhost' || isLoopbackAddress(host)) return;
  throw refuse(parsed.host, `the endpoint ${String(url)} is not on a loopback address`);
}
