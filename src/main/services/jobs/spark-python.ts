import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The pyspark line the runner's Spark engine is written and tested for (requirements.txt pins it). */
export const PYSPARK_VERSION = '3.5.9';
export const PYSPARK_LINE = '3.5.';

/** What prints pyspark's version, or fails when it cannot be imported. */
export const PYSPARK_PROBE = ['-c', 'import pyspark; print(pyspark.__version__)'];

/**
 * The Python that runs the Spark engine on this computer: the repository's `.venv/bin/python`
 * (made by `npm run setup:python`, with the pinned pyspark) when it exists and imports pyspark,
 * else `python3` when that imports pyspark. Spark also needs a JVM, so `java` must start too.
 * When something is missing, `missing` says what and how to get it. A found Python is kept for
 * the life of the process; a missing one is looked for again on the next call (it may have been
 * installed meanwhile). `appDir`: the folder whose .venv is looked at (default the app's own).
 */
export async function sparkPython(appDir = appFolder()): Promise<{ python: string; version: string } | { missing: string }> {
  const known = found.get(appDir ?? '');
  if (known) return known;
  const venv = appDir === undefined ? undefined : join(appDir, '.venv', 'bin', 'python');
  const candidates = [venv !== undefined && existsSync(venv) ? venv : undefined, 'python3'].filter((p): p is string => p !== undefined);
  let other: string | undefined;
  let python: { python: string; version: string } | undefined;
  for (const candidate of candidates) {
    const result = await run(candidate, PYSPARK_PROBE);
    if (result.code !== 0) continue;
    const version = result.stdout.trim();
    if (version.startsWith(PYSPARK_LINE)) {
      python = { python: candidate, version };
      break;
    }
    other ??= `${candidate} has pyspark ${version}, not the ${PYSPARK_LINE}x line the Spark engine runs on`;
  }
  if (!python) {
    const why = other ?? 'No Python here imports pyspark (neither the repository\'s .venv nor python3)';
    return { missing: `${why}. Run \`npm run setup:python\` in the app's folder: it creates .venv/ with pyspark ${PYSPARK_VERSION} and installs Java 17 when missing.` };
  }
  const java = await run('java', ['-version']);
  if (java.code !== 0) {
    return { missing: `Spark needs Java, and \`java -version\` did not run here (${java.code === 127 ? 'command not found' : java.stderr.trim() || `exit code ${java.code}`}). Run \`npm run setup:python\` (it installs openjdk-17-jre-headless), or: sudo apt-get install -y openjdk-17-jre-headless.` };
  }
  found.set(appDir ?? '', python);
  return python;
}

/** The Python found per app folder. */
const found = new Map<string, { python: string; version: string }>();

/**
 * The app's own folder, where `npm run setup:python` makes .venv: the first folder above this
 * code that holds resources/worker (the source tree, or the built app's).
 */
function appFolder(): string | undefined {
  // From `__filename`: tsx, loading TypeScript for an ES module, sets it but not `__dirname`.
  for (let dir = dirname(__filename); dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'resources', 'worker'))) return dir;
  }
  return undefined;
}

function run(program: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    execFile(program, args, { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolvePromise({ code: 0, stdout, stderr });
      const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : typeof err.code === 'number' ? err.code : 1;
      resolvePromise({ code, stdout, stderr: stderr || err.message });
    });
  });
}
