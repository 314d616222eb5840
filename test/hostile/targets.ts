import { execFileSync } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BrowserHost } from './browser-host.ts';
import { traceIn } from './harness.ts';
import { run, type Finished } from './processes.ts';

/**
 * What the cases attack, started once and shared: the browser host (restarted when a case
 * killed it), the built CLI, the worker's scripts; plus fresh folders under one scratch folder.
 */
export class Targets {
  private shared: Promise<BrowserHost> | undefined;
  private readonly extraHosts = new Set<BrowserHost>();
  private folders = 0;
  private readonly mounts: string[] = [];
  private readonly closers: (() => Promise<void>)[] = [];
  /** How much of the shared host's output has been looked at for stack traces. */
  private outputSeen = 0;
  /** Extra environment for the shared host; set before its first use. */
  hostEnv: NodeJS.ProcessEnv = {};

  constructor(
    readonly repo: string,
    /** Removed by the runner at the end. */
    readonly scratch: string,
  ) {}

  /** The shared browser host (fresh data folder), started on first use. */
  host(): Promise<BrowserHost> {
    this.shared ??= this.folder('host').then((home) => this.timedStart(home, this.hostEnv));
    return this.shared;
  }

  /** Whether the shared host is running; a case is crashed if it was killed. */
  get hostStarted(): boolean {
    return this.shared !== undefined;
  }

  /** Why the shared host is unwell after a case (then it is replaced), or undefined. */
  async hostUnwell(): Promise<string | undefined> {
    if (!this.shared) return undefined;
    const host = await this.shared.catch(() => undefined);
    const why = host ? await host.unwell() : 'the host did not start';
    // A stack trace in the host's own output: something went unhandled, even if it lived on.
    const fresh = host ? host.output().slice(this.outputSeen) : '';
    this.outputSeen += fresh.length;
    const trace = traceIn(fresh);
    if (!why && trace) return `the host printed a stack trace (${trace.trim()}): ${fresh.trim().split('\n').slice(0, 2).join(' | ').slice(0, 300)}`;
    if (why) {
      this.outputSeen = 0;
      const tail = host ? host.output().trim().split('\n').slice(-3).join(' | ') : '';
      this.shared = undefined;
      await host?.stop();
      return `${why}${tail ? `; its last output: ${tail.slice(0, 300)}` : ''}`;
    }
    return undefined;
  }

  /** A host of the case's own (a prepared data folder, other env); stopped at the end if not before. */
  async ownHost(dataHome: string, env: NodeJS.ProcessEnv = {}): Promise<BrowserHost> {
    const host = await this.timedStart(dataHome, env);
    this.extraHosts.add(host);
    return host;
  }

  /** Milliseconds spent starting hosts so far: a case's time limit does not count them. */
  startupMs = 0;

  private readonly starting = new Set<Promise<unknown>>();

  private timedStart(dataHome: string, env: NodeJS.ProcessEnv): Promise<BrowserHost> {
    const began = Date.now();
    const start = BrowserHost.start(this.repo, dataHome, env).finally(() => {
      this.startupMs += Date.now() - began;
      this.starting.delete(start);
    });
    this.starting.add(start);
    return start;
  }

  /** Resolves when no host is starting (then startupMs counts every start so far). */
  async startsSettled(): Promise<void> {
    while (this.starting.size > 0) await Promise.allSettled([...this.starting]);
  }

  async stopHost(host: BrowserHost): Promise<void> {
    this.extraHosts.delete(host);
    await host.stop();
  }

  /** A fresh empty folder. */
  async folder(name: string): Promise<string> {
    const path = join(this.scratch, `${String(++this.folders).padStart(4, '0')}-${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}`);
    await mkdir(path, { recursive: true });
    return path;
  }

  /** `node bin/workbench.js ARGS` with its own data folder; bounded by timeoutMs. */
  /** `until`: kill it as soon as its stdout matches (a host that started serving when it should not). */
  async cli(args: string[], options: { dataHome?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; stdin?: string; until?: RegExp } = {}): Promise<Finished> {
    const dataHome = options.dataHome ?? (await this.folder('cli-data'));
    return run(process.execPath, [join(this.repo, 'bin', 'workbench.js'), ...args], {
      cwd: this.repo,
      env: { ...process.env, XDG_DATA_HOME: dataHome, ...options.env, WORKBENCH_LOOPBACK_ONLY: '1' },
      timeoutMs: options.timeoutMs ?? 15_000,
      ...(options.until ? { until: options.until } : {}),
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    });
  }

  /** A worker-side script of resources/worker, run as the worker runs it. */
  async worker(script: 'safe_extract.py' | 'run-job.sh', args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Finished> {
    const path = join(this.repo, 'resources', 'worker', script);
    return run(script.endsWith('.py') ? 'python3' : 'sh', [path, ...args], {
      cwd: options.cwd ?? this.scratch,
      env: { ...process.env, ...options.env },
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  /**
   * A fresh folder on a tmpfs of `megabytes` (a disk that fills up quickly), unmounted at the
   * end. Mounting needs root (or sudo without a password); elsewhere the case that asks fails and says so.
   */
  async smallDisk(megabytes: number): Promise<string> {
    const path = await this.folder(`disk-${megabytes}m`);
    try {
      asRoot(['mount', '-t', 'tmpfs', '-o', `size=${megabytes}m,mode=0777`, 'tmpfs', path]);
    } catch (err) {
      throw new Error(`a ${megabytes} MiB tmpfs is needed (mount, as root or through sudo -n): ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    this.mounts.push(path);
    return path;
  }

  /** Runs `stop` when the category ends (servers a case family started for itself). */
  onClose(stop: () => Promise<void>): void {
    this.closers.push(stop);
  }

  async close(): Promise<void> {
    for (const stop of this.closers.splice(0).reverse()) await stop().catch(() => undefined);
    const host = await this.shared?.catch(() => undefined);
    await host?.stop();
    for (const extra of this.extraHosts) await extra.stop();
    this.extraHosts.clear();
    this.unmount();
  }

  /** Unmounts the small disks (synchronous: also run when the runner is interrupted). */
  unmount(): void {
    for (const path of this.mounts.splice(0)) {
      try {
        asRoot(['umount', '--lazy', path]);
      } catch {
        // Already gone; the scratch folder's removal reports anything left.
      }
    }
  }
}

/** A command as root: directly when we are, else through sudo without a password (as scripts/test.sh installs). */
function asRoot(argv: string[]): void {
  const [command, ...args] = process.getuid?.() === 0 ? argv : ['sudo', '-n', ...argv];
  execFileSync(command!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Every file and folder below `dir` (relative paths); empty when it does not exist. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.map(String).sort();
}
