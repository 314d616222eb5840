import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';

/**
 * The text of a program in resources/worker that the app sends to a worker to run as
 * `python3 -c TEXT` (the worker needs nothing installed beforehand). Read once, then kept.
 *
 * resources/ is found from where this code is: in the source tree (src/main/services/workers)
 * and in the built app (out/main or out/main/chunks) it is beside the folder holding src/ or
 * out/; in a packaged app it is beside app.asar (process.resourcesPath/resources), which is also
 * a folder above this code. So the first ancestor with resources/worker/NAME is the app's own.
 */
const programs = new Map<string, string>();

export function workerProgram(name: string): string {
  let text = programs.get(name);
  if (text === undefined) {
    text = readFileSync(findProgram(name), 'utf8');
    programs.set(name, text);
  }
  return text;
}

function findProgram(name: string): string {
  // From `__filename`: tsx, loading TypeScript for an ES module, sets it but not `__dirname`.
  const here = dirname(__filename);
  for (let dir = here; ; dir = dirname(dir)) {
    const path = join(dir, 'resources', 'worker', name);
    if (existsSync(path)) return path;
    if (dirname(dir) === dir) break;
  }
  throw new WorkbenchError('INTERNAL', `The app's resources/worker/${name} is missing (looked in the folders above ${here}). Reinstall the app.`);
}
