import { posix } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Transport } from '../workers/transport.ts';

/**
 * Lists a run's output folder on the worker: every regular file below it (links are not
 * followed), as a path inside the folder and its size. The folder itself must really be inside
 * the run's folder: a job that turned output/ (or a folder on its way) into a link to, say,
 * ~/.aws would otherwise have that listed, downloaded and offered for publishing. Python 3 is what every worker has (the
 * runner needs it) and behaves the same on GNU and BSD systems, unlike `find -printf`; the
 * script is fixed text and the folder reaches it as an argument, never through a shell.
 */
const LIST_FILES = `
import json, os, sys
root, run_dir = sys.argv[1], os.path.realpath(sys.argv[2])
if not os.path.isdir(root):
    sys.exit(3)
real = os.path.realpath(root)
if not real.startswith(run_dir + os.sep):
    print(real)
    sys.exit(4)
found = []
for folder, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(files):
        path = os.path.join(folder, name)
        if os.path.isfile(path) and not os.path.islink(path):
            found.append([os.path.relpath(path, root).replace(os.sep, "/"), os.path.getsize(path)])
found.sort()
print(json.dumps(found))
`;
const MISSING = 3;
const OUTSIDE = 4;

export interface OutputFile {
  name: string;
  bytes: number;
}

/** The files under `dir` (inside `runDir`) on the worker; undefined when the folder does not exist. */
export async function listOutputFiles(transport: Transport, dir: string, runDir: string): Promise<OutputFile[] | undefined> {
  const result = await transport.exec(['python3', '-c', LIST_FILES, dir, runDir], { timeoutMs: 60_000 });
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
