import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { Client, utils, type AgentAuthMethod, type ConnectConfig, type PublicKeyAuthMethod } from 'ssh2';
import { printable } from '../../../shared/display-text.ts';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { ConnectionState, PendingHostKey, WorkerState } from '../../../shared/worker-model.ts';
import { coalesceWrites } from '../net/coalesce-writes.ts';
import { connectGuarded, resolveAllowedTarget } from '../net/loopback.ts';
import { fingerprint, keyTypeOf, type KnownHosts } from './known-hosts.ts';
import { shellQuote } from './shell-quote.ts';
import { loadSshConfig, parseDestination, resolveHost, type ConfigSource, type ResolvedHost } from './ssh-config.ts';
import { RECOMMENDED_ALGORITHMS } from './transfers/algorithms.ts';

/** How to reach one worker over SSH. */
export interface SshEndpoint {
  workerId: string;
  /** An address or an ssh_config alias. */
  host: string;
  user?: string;
  port?: number;
  /** A host key pinned at launch (EC2 workers): only this key is accepted, known_hosts is not asked. */
  pinnedHostKey?: Buffer;
  /** The worker's name, for messages about it. */
  name?: string;
  /** Private keys the app holds for this worker, tried before ssh_config's IdentityFiles. */
  privateKeys?: string[];
}

export interface ConnectionManagerOptions {
  knownHosts: KnownHosts;
  /** ssh_config files in order: the app's own, then the user's. */
  configSources: () => ConfigSource[];
  onState: (state: WorkerState) => void;
  onHostKey: (pending: PendingHostKey) => void;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

interface Slot {
  endpoint: SshEndpoint;
  client?: Client;
  connecting?: Promise<Client>;
  state: ConnectionState;
  /** The user wants this connection: drops are reconnected. */
  wanted: boolean;
  attempt: number;
  timer?: NodeJS.Timeout;
  /** Extra connections to jump hosts, closed with this one. */
  jumps: Client[];
}

const KEEPALIVE_MS = 15_000;
const MAX_BACKOFF_MS = 30_000;
const MAX_RECONNECTS = 12;

/**
 * One SSH connection per worker, shared by terminals, files and jobs. Every connection goes
 * through the loopback guard, verifies the host key strictly (pinned key, else the app's
 * known_hosts: unknown keys wait for the user, changed keys are refused), keeps alive, and
 * reconnects with backoff after a drop while it is wanted.
 */
export class SshConnections {
  private readonly slots = new Map<string, Slot>();
  private readonly pending = new Map<string, PendingHostKey & { keyBlob: Buffer }>();
  /** The fingerprint of the key each worker's host was last accepted with. */
  private readonly accepted = new Map<string, string>();
  private readonly dropListeners = new Set<(workerId: string, client: Client) => void>();

  constructor(private readonly options: ConnectionManagerOptions) {}

  state(workerId: string): ConnectionState {
    return this.slots.get(workerId)?.state ?? 'disconnected';
  }

  /** The worker's connection, opening it if needed (concurrent callers share one attempt). */
  client(endpoint: SshEndpoint): Promise<Client> {
    let slot = this.slots.get(endpoint.workerId);
    if (!slot) {
      slot = { endpoint, state: 'disconnected', wanted: false, attempt: 0, jumps: [] };
      this.slots.set(endpoint.workerId, slot);
    }
    slot.endpoint = endpoint;
    slot.wanted = true;
    if (slot.client) return Promise.resolve(slot.client);
    slot.connecting ??= this.open(slot).finally(() => {
      if (slot) slot.connecting = undefined;
    });
    return slot.connecting;
  }

  /** Called with the old client when a connection drops, so its users can reopen channels. */
  onReconnect(listener: (workerId: string, client: Client) => void): () => void {
    this.dropListeners.add(listener);
    return () => this.dropListeners.delete(listener);
  }

  pendingHostKey(workerId: string): PendingHostKey | undefined {
    const pending = this.pending.get(workerId);
    if (!pending) return undefined;
    const { keyBlob: _keyBlob, ...shown } = pending;
    return shown;
  }

  /**
   * Records the key the host shows, if it is the one the user checked (by fingerprint). The key
   * waiting from this process's last attempt is taken; with none (a new process, such as the
   * next command line), the host is connected to now to see its key.
   */
  async trust(endpoint: SshEndpoint, checkedFingerprint: string): Promise<void> {
    const { workerId } = endpoint;
    if (!this.pending.has(workerId)) {
      try {
        await this.client(endpoint);
      } catch (err) {
        if (!(err instanceof WorkbenchError && (err.code === 'HOST_KEY_UNKNOWN' || err.code === 'HOST_KEY_CHANGED'))) throw err;
      }
    }
    const pending = this.pending.get(workerId);
    if (!pending) {
      // The connection was made: the host's key is trusted already; say so only for the key checked.
      const accepted = this.accepted.get(workerId);
      if (accepted !== checkedFingerprint) {
        throw new WorkbenchError('HOST_KEY_CHANGED', `The host's key is ${accepted ?? 'another one'} (trusted already), not ${checkedFingerprint}; nothing was changed.`);
      }
      return;
    }
    if (pending.changedFrom !== undefined) {
      throw new WorkbenchError(
        'NOT_FOUND',
        `The host's key changed (it was ${pending.changedFrom}, it is now ${pending.fingerprint}); a changed key is never trusted here. If the host was really reinstalled, remove its line from the app's known_hosts, then trust the new key.`,
      );
    }
    if (pending.fingerprint !== checkedFingerprint) {
      throw new WorkbenchError('HOST_KEY_CHANGED', `The host's key is ${pending.fingerprint}, not ${checkedFingerprint}; nothing was trusted.`);
    }
    await this.options.knownHosts.add(pending.host, pending.port, pending.keyBlob);
    this.pending.delete(workerId);
  }

  /**
   * Forgets the host key the user accepted for a host that is gone for good (a terminated
   * cluster's master): the next machine given its name would otherwise be refused as a changed
   * key. The name goes through ssh_config as a connection's would.
   */
  async forgetHostKey(host: string, port?: number): Promise<void> {
    const target = await this.resolve(host, undefined, port);
    await this.options.knownHosts.remove(target.hostName, target.port);
  }

  disconnect(workerId: string): void {
    const slot = this.slots.get(workerId);
    if (!slot) return;
    slot.wanted = false;
    clearTimeout(slot.timer);
    this.closeSlot(slot);
    this.setState(slot, 'disconnected');
  }

  closeAll(): void {
    for (const workerId of this.slots.keys()) this.disconnect(workerId);
  }

  private setState(slot: Slot, state: ConnectionState, message?: string): void {
    slot.state = state;
    this.options.onState({ workerId: slot.endpoint.workerId, state, ...(message ? { message } : {}) });
  }

  private closeSlot(slot: Slot): void {
    const client = slot.client;
    slot.client = undefined;
    client?.removeAllListeners('close');
    client?.end();
    for (const jump of slot.jumps.splice(0)) jump.end();
  }

  private async open(slot: Slot): Promise<Client> {
    this.setState(slot, slot.attempt > 0 ? 'reconnecting' : 'connecting');
    try {
      const client = await this.connect(slot);
      slot.client = client;
      slot.attempt = 0;
      this.setState(slot, 'connected');
      client.on('close', () => this.dropped(slot, client));
      return client;
    } catch (err) {
      for (const jump of slot.jumps.splice(0)) jump.end();
      const message = err instanceof Error ? err.message : String(err);
      this.setState(slot, 'failed', message);
      throw err;
    }
  }

  private dropped(slot: Slot, client: Client): void {
    if (slot.client !== client) return;
    slot.client = undefined;
    for (const jump of slot.jumps.splice(0)) jump.end();
    if (!slot.wanted) return this.setState(slot, 'disconnected');
    this.reconnectLater(slot, client);
  }

  private reconnectLater(slot: Slot, old: Client): void {
    if (slot.attempt >= MAX_RECONNECTS) {
      slot.wanted = false;
      return this.setState(slot, 'failed', `Gave up after ${MAX_RECONNECTS} attempts to reconnect.`);
    }
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** slot.attempt++);
    this.setState(slot, 'reconnecting', `Connection lost; reconnecting in ${Math.round(delay / 1000)} s.`);
    slot.timer = setTimeout(() => {
      // A user of the connection may have reopened it meanwhile: take that one. Opening another
      // would replace it in the slot and leave it open, unused and never closed.
      const next = slot.client ? Promise.resolve(slot.client) : (slot.connecting ??= this.open(slot).finally(() => (slot.connecting = undefined)));
      next.then(
        (client) => {
          for (const listener of this.dropListeners) listener(slot.endpoint.workerId, client);
        },
        (err: unknown) => {
          // Host key problems need the user; anything else is tried again.
          if (err instanceof WorkbenchError && (err.code === 'HOST_KEY_CHANGED' || err.code === 'HOST_KEY_UNKNOWN' || err.code === 'AUTH_FAILED')) return;
          if (slot.wanted) this.reconnectLater(slot, old);
        },
      );
    }, delay);
    slot.timer.unref?.();
  }

  private async resolve(host: string, user?: string, port?: number): Promise<ResolvedHost> {
    const configs = await Promise.all(this.options.configSources().map((source) => loadSshConfig(source)));
    const resolved = resolveHost(host, configs, { user: userInfo().username });
    return { ...resolved, ...(user ? { user } : {}), ...(port ? { port } : {}) };
  }

  private async connect(slot: Slot): Promise<Client> {
    const { endpoint } = slot;
    const target = await this.resolve(endpoint.host, endpoint.user, endpoint.port);
    let sock: Duplex | undefined;
    for (const hop of target.proxyJump) {
      const destination = parseDestination(hop);
      const jump = await this.resolve(destination.host, destination.user, destination.port);
      const jumpClient = await this.handshake(endpoint, jump, sock, undefined);
      slot.jumps.push(jumpClient);
      sock = await forward(jumpClient, jump, target);
    }
    return this.handshake(endpoint, target, sock, endpoint.pinnedHostKey, endpoint.privateKeys);
  }

  /** One SSH handshake with strict host-key checking and the keys we have. */
  private async handshake(endpoint: SshEndpoint, host: ResolvedHost, sock: Duplex | undefined, pinned: Buffer | undefined, appKeys: string[] = []): Promise<Client> {
    const socket = sock ?? (await connectGuarded(host.hostName, host.port, { timeoutMs: this.options.readyTimeoutMs ?? 20_000 }));
    const keys = [...appKeys, ...(await readIdentities(host))];
    const env = this.options.env ?? process.env;
    const agent = env['SSH_AUTH_SOCK'];
    if (keys.length === 0 && !agent) {
      socket.destroy();
      throw new WorkbenchError('AUTH_FAILED', `No key to log in to ${host.alias} with: add an IdentityFile for it to ssh_config, or load your key into ssh-agent.`);
    }
    const methods: AuthMethod[] = [
      ...keys.map((key): PublicKeyAuthMethod => ({ type: 'publickey', username: host.user, key })),
      ...(agent ? [{ type: 'agent', username: host.user, agent } satisfies AgentAuthMethod] : []),
    ];
    let hostKeyError: WorkbenchError | undefined;
    const where = `${host.hostName}:${host.port}`;

    const hostVerifier = (keyBlob: Buffer, verify: (ok: boolean) => void): void => {
      const shown = fingerprint(keyBlob);
      const report = (changedFrom?: string) => {
        const pending = { workerId: endpoint.workerId, host: host.hostName, port: host.port, keyType: keyTypeOf(keyBlob), fingerprint: shown, ...(changedFrom ? { changedFrom } : {}) };
        this.pending.set(endpoint.workerId, { ...pending, keyBlob });
        this.options.onHostKey(pending);
      };
      const accept = () => {
        this.accepted.set(endpoint.workerId, shown);
        this.pending.delete(endpoint.workerId);
        verify(true);
      };
      if (pinned) {
        if (pinned.equals(keyBlob)) return accept();
        hostKeyError = pinnedMismatchError(where, endpoint.name ?? endpoint.workerId, shown, fingerprint(pinned));
        report(fingerprint(pinned));
        return verify(false);
      }
      this.options.knownHosts.check(host.hostName, host.port, keyBlob).then(
        (verdict) => {
          if (verdict.kind === 'match') return accept();
          if (verdict.kind === 'changed') {
            hostKeyError = changedError(where, shown, verdict.knownFingerprint);
            report(verdict.knownFingerprint);
          } else {
            hostKeyError = new WorkbenchError('HOST_KEY_UNKNOWN', `${where} is not known yet. Its ${keyTypeOf(keyBlob)} key has the fingerprint ${shown}: check it with the host's owner, then trust it (in the Workers view, or with: workbench worker trust ${commandWord(endpoint.name ?? endpoint.workerId)} --fingerprint ${shown}).`);
            report();
          }
          verify(false);
        },
        () => verify(false),
      );
    };

    const config: ConnectConfig = {
      sock: socket instanceof Socket ? coalesceWrites(socket) : socket,
      username: host.user,
      hostVerifier: hostVerifier as ConnectConfig['hostVerifier'],
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 3,
      readyTimeout: this.options.readyTimeoutMs ?? 20_000,
      algorithms: RECOMMENDED_ALGORITHMS,
      authHandler: methods,
    };

    const client = new Client();
    return new Promise<Client>((resolve, reject) => {
      // A connection cut during the handshake may close without an error event; without this
      // the attempt (and everyone waiting on it) would wait forever.
      const closedEarly = () => reject(new WorkbenchError('UNAVAILABLE', `The connection to ${where} closed during the SSH handshake.`));
      client.once('close', closedEarly);
      client.once('ready', () => {
        client.removeListener('close', closedEarly);
        // ssh2 leaves Nagle's algorithm on, and then every exchange of small packets (opening a
        // channel, an SFTP open, stat or READ request) waits on the peer's delayed ACK, so even
        // an exec of `true` is slow. OpenSSH sets TCP_NODELAY too.
        client.setNoDelay(true);
        client.removeAllListeners('error');
        client.on('error', () => {}); // later errors surface as 'close', which reconnects
        resolve(client);
      });
      client.once('error', (err: Error & { level?: string }) => {
        client.end();
        if (hostKeyError) return reject(hostKeyError);
        if (err.level === 'client-authentication') {
          return reject(new WorkbenchError('AUTH_FAILED', `${where} refused the login as ${host.user} with ${describeMethods(methods)}: check the user name, and that the key is in that user's ~/.ssh/authorized_keys.`));
        }
        if (err.level === 'client-timeout') {
          return reject(new WorkbenchError('TIMEOUT', `${where} did not complete the SSH handshake in time: is it an SSH server, and reachable?`));
        }
        reject(new WorkbenchError('UNAVAILABLE', `SSH to ${where} failed: ${err.message}`, { cause: err }));
      });
      client.connect(config);
    });
  }
}

function changedError(where: string, shown: string, known: string): WorkbenchError {
  return new WorkbenchError(
    'HOST_KEY_CHANGED',
    `WARNING: the host key of ${where} has changed. It was ${known} and is now ${shown}. Someone may be intercepting the connection; it was refused. If the host was really reinstalled, remove its old line from the app's known_hosts.`,
  );
}

/** A worker whose host key was generated and pinned at its launch shows another one. */
function pinnedMismatchError(where: string, name: string, shown: string, pinned: string): WorkbenchError {
  return new WorkbenchError(
    'HOST_KEY_CHANGED',
    `WARNING: ${where} shows the host key ${shown}, not the one pinned when ${name} was launched (${pinned}); the connection was refused. Someone may be intercepting it, or the address now belongs to another machine. Terminate the worker and launch a new one.`,
  );
}

type AuthMethod = PublicKeyAuthMethod | AgentAuthMethod;

function describeMethods(methods: AuthMethod[]): string {
  const keys = methods.filter((m) => m.type === 'publickey').length;
  const agent = methods.some((m) => m.type === 'agent');
  return [keys ? `${keys} key${keys === 1 ? '' : 's'}` : '', agent ? 'ssh-agent' : ''].filter(Boolean).join(' and ');
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** The private keys ssh_config names (or OpenSSH's defaults); unreadable or locked ones are said. */
async function readIdentities(host: ResolvedHost): Promise<string[]> {
  const files = host.identityFiles.length > 0 ? host.identityFiles : DEFAULT_IDENTITIES.map((name) => join(homedir(), '.ssh', name));
  const keys: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const parsed = utils.parseKey(text);
    if (parsed instanceof Error) {
      if (/encrypted|passphrase/i.test(parsed.message)) {
        throw new WorkbenchError('AUTH_FAILED', `The key ${file} is protected by a passphrase: load it into ssh-agent (ssh-add ${file}) and the workbench will use the agent.`);
      }
      throw new WorkbenchError('AUTH_FAILED', `The key ${file} could not be read: ${parsed.message}`);
    }
    keys.push(text);
  }
  return keys;
}

/** A tunnel through a jump host to the target; the target must pass the loopback guard too. */
async function forward(jump: Client, via: ResolvedHost, target: ResolvedHost): Promise<Duplex> {
  const address = await resolveAllowedTarget(target.hostName);
  return new Promise<Duplex>((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, address, target.port, (err, stream) => {
      if (err) return reject(new WorkbenchError('UNAVAILABLE', `The jump host ${via.alias} could not reach ${target.hostName}:${target.port}: ${err.message}`, { cause: err }));
      resolve(stream);
    });
  });
}

/** A worker's name as one word of a command line to copy: quoted when it holds more than letters, digits and `._-`. */
function commandWord(name: string): string {
  return /^[A-Za-z0-9._-]+$/.test(name) ? name : shellQuote(printable(name));
}
