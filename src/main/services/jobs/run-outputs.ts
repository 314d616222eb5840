import { posix } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Transport } from '../workers/transport.ts';
import { workerProgram } from '../workers/worker-programs.ts';

/** Exit codes of resources/worker/run_outputs.py, which lists a run's output folder on the worker. */
const MISSING = 3;
const OUTSIDE = 4;

export interface OutputFile {
  name: string;
  bytes: number;
}

/**
 * The regular files under `dir` on the worker (links not followed); undefined when the folder
 * does not exist. `dir` must really be inside `runDir`: an output folder reached through a link
 * to elsewhere (say, ~/.aws) is refused, so those files are never listed, downloaded or published.
 */
export async function listOutputFiles(transport: Transport, dir: string, runDir: string): Promise<OutputFile[] | undefined> {
  const result = await transport.exec(['python3', '-c', workerProgram('run_outputs.py'), dir, runDir], { timeoutMs: 60_000 });
  if (result.code === MISSING) return undefined;
  if (result.code === OUTSIDE) {
    throw new WorkbenchError('BAD_INPUT', `The run's output folder ${dir} leads outside the run (to ${result.stdout.trim()}) through a link; it is not listed or downloaded. Make the job write its output into a real folder.`);
  }
  if (result.code !== 0) throw new WorkbenchError('UNAVAILABLE', `Could not list ${dir} on the worker: ${result.stderr.trim() || `python3 exited with ${result.code}`}`);
  const rows = JSON.parse(result.stdout) as [string, number][];
  return rows.map(([name, bytes]) => ({ name, bytes }));
}

/** A name from a listing, checked again before it becomes a path on either side. */
export function outputPath(dir: string, name: string): string {
  const clean = posix.normalize(name);
  if (clean.startsWith('../') || clean === '..' || posix.isAbsolute(clean) || clean.includes('\0')) {
    throw new WorkbenchError('BAD_INPUT', `"${name}" is not a file of the run's output.`);
  }
  return posix.join(dir, clean);
}
