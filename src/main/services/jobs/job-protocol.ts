import { posix } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { RUN_ID_PATTERN } from '../../../shared/model.ts';
import type { FileSlice, Transport } from '../workers/transport.ts';

/**
 * The job protocol on a worker, written against Transport only. A run lives in
 * `<root>/runs/<runId>/` (log, pid, exit, meta.json; a map/reduce run's code/ and output/, a
 * packaged run's tarball in in/ and, for a Test run, what run-job.sh published in published/),
 * started detached by launch.sh, so it outlives the app and the connection. Readers follow the log by byte
 * offset, so they can drop, come back and resume with no line lost or repeated.
 */
export function runDirOf(transport: Transport, runId: string): string {
  if (!RUN_ID_PATTERN.test(runId)) throw new WorkbenchError('BAD_INPUT', `"${runId}" is not a run id.`);
  return posix.join(transport.root, 'runs', runId);
}

/** Starts `argv` in the run dir under launch.sh with a timeout; returns the process group id. */
export async function launchRun(transport: Transport, runtimeDir: string, runDir: string, timeoutSeconds: number, argv: string[], env?: Record<string, string | undefined>): Promise<number> {
  const result = await transport.exec(['sh', posix.join(runtimeDir, 'launch.sh'), runDir, String(timeoutSeconds), ...argv], { timeoutMs: 30_000, ...(env && { env }) });
  const pid = Number(result.stdout.trim());
  if (result.code !== 0 || !Number.isInteger(pid) || pid <= 1) {
    throw new WorkbenchError('UNAVAILABLE', `The run could not be started on the worker: ${result.stderr.trim() || `launch.sh exited with ${result.code}`}`);
  }
  return pid;
}

export function readLog(transport: Transport, runDir: string, offset: number, limit: number): Promise<FileSlice | undefined> {
  return transport.readFrom(posix.join(runDir, 'log'), offset, limit);
}

/** The last `bytes` of the log as text (for a failure message). */
export async function readLogTail(transport: Transport, runDir: string, bytes: number): Promise<string> {
  const size = (await readLog(transport, runDir, 0, 0))?.size ?? 0;
  const slice = await readLog(transport, runDir, Math.max(0, size - bytes), bytes);
  return slice?.data.toString('utf8') ?? '';
}

/**
 * Where the log's last complete line ends: a reader joining a live run starts there, so it
 * never begins in the middle of a line.
 */
export async function completeLogLength(transport: Transport, runDir: string): Promise<number> {
  const size = (await readLog(transport, runDir, 0, 0))?.size ?? 0;
  const from = Math.max(0, size - 64 * 1024);
  const tail = (await readLog(transport, runDir, from, size - from))?.data ?? Buffer.alloc(0);
  const lastNewline = tail.lastIndexOf(0x0a);
  return lastNewline < 0 ? from : from + lastNewline + 1;
}

/** The run's exit code once it has ended; undefined while it runs. */
export async function readExitCode(transport: Transport, runDir: string): Promise<number | undefined> {
  const slice = await transport.readFrom(posix.join(runDir, 'exit'), 0, 64);
  if (!slice) return undefined;
  const code = Number(slice.data.toString('utf8').trim());
  return Number.isInteger(code) ? code : undefined;
}

async function readPid(transport: Transport, runDir: string): Promise<number | undefined> {
  const slice = await transport.readFrom(posix.join(runDir, 'pid'), 0, 64);
  const pid = slice ? Number(slice.data.toString('utf8').trim()) : NaN;
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** Whether any process of the run's group is still alive. */
export async function isRunAlive(transport: Transport, runDir: string): Promise<boolean> {
  const pid = await readPid(transport, runDir);
  if (pid === undefined) return false;
  return (await transport.exec(['kill', '-0', '--', `-${pid}`])).code === 0;
}

/** Signals the run's whole process group (the command and every child it started). */
export async function signalRun(transport: Transport, runDir: string, signal: 'TERM' | 'KILL'): Promise<boolean> {
  const pid = await readPid(transport, runDir);
  if (pid === undefined) return false;
  return (await transport.exec(['kill', `-${signal}`, '--', `-${pid}`])).code === 0;
}
