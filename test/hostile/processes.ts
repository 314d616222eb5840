import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { signal } from '../fixtures/process-group.ts';

/**
 * Every process the corpus starts runs in its own process group (detached), so a timeout or the
 * end of the run kills it with everything it started. Groups still alive when the runner exits,
 * however it exits, are killed by the exit hook.
 */
const liveGroups = new Set<number>();
process.on('exit', () => {
  for (const pgid of liveGroups) signal(-pgid, 'SIGKILL');
});

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Killed because its output matched `until`. */
  stoppedEarly: boolean;
}

const OUTPUT_LIMIT = 1024 * 1024;

export interface Started {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** undefined while it runs. */
  exitStatus(): string | undefined;
  exited: Promise<void>;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once the leader is reaped. */
  stop(graceMs?: number): Promise<void>;
}

export function start(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string | Buffer } = {}): Started {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  liveGroups.add(pid);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (out.length < OUTPUT_LIMIT) out += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (err.length < OUTPUT_LIMIT) err += chunk.toString('utf8');
  });
  child.stdin?.on('error', () => undefined);
  if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('close', (code, sig) => {
      status = sig ? `signal ${sig}` : `code ${code}`;
      resolve();
    });
    child.once('error', (e) => {
      status ??= `spawn error: ${e.message}`;
      resolve();
    });
  });
  const stop = async (graceMs = 2000): Promise<void> => {
    if (status === undefined) signal(-pid, 'SIGTERM');
    const timer = setTimeout(() => signal(-pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    // The leader is gone; anything left in its group goes too.
    signal(-pid, 'SIGKILL');
    liveGroups.delete(pid);
  };
  return { child, pid, stdout: () => out, stderr: () => err, exitStatus: () => status, exited, stop };
}

/** Runs a command to its end, or kills its whole group after `timeoutMs` (then `timedOut`). */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string | Buffer; timeoutMs: number; until?: RegExp },
): Promise<Finished> {
  const proc = start(command, args, options);
  let timedOut = false;
  let stoppedEarly = false;
  const until = options.until;
  if (until) {
    proc.child.stdout?.on('data', () => {
      if (!stoppedEarly && until.test(proc.stdout())) {
        stoppedEarly = true;
        signal(-proc.pid, 'SIGKILL');
      }
    });
  }
  const timer = setTimeout(() => {
    timedOut = true;
    signal(-proc.pid, 'SIGKILL');
  }, options.timeoutMs);
  await proc.exited;
  clearTimeout(timer);
  signal(-proc.pid, 'SIGKILL');
  liveGroups.delete(proc.pid);
  return { code: proc.child.exitCode, signal: proc.child.signalCode, stdout: proc.stdout(), stderr: proc.stderr(), timedOut, stoppedEarly };
}

/** Kills every group still running (the runner's last step). */
export function killAll(): void {
  for (const pgid of liveGroups) signal(-pgid, 'SIGKILL');
  liveGroups.clear();
}

/** The pids whose parent is `pid`, from /proc (Linux). */
export async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
  }
  return found;
}

/** Resident memory of a process in bytes (VmRSS), or undefined when it is gone. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}
