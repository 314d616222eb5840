import { lstat, readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, normalize, posix, relative, resolve, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { nestingDepth, tooDeepMessage } from '../../../shared/json-ast.ts';
import type { RunRequest } from '../../../shared/model.ts';
import type { Engine } from '../../../shared/packager-model.ts';
import type { ExampleCatalog } from './examples.ts';

/** What is never copied from a job folder into a run. */
export const IGNORED = /(^|\/)(\.git|node_modules|__pycache__|\.venv|venv|output)(\/|$)|\.pyc$/;

/** The job folder a request names (an example's, or one on this computer) and the run's job name. */
export async function resolveSource(request: ReturnType<typeof RunRequest.parse>, examples: ExampleCatalog): Promise<{ name: string; dir: string }> {
  if (request.source.kind === 'example') {
    const example = await examples.get(request.source.name);
    return { name: example.name, dir: example.dir };
  }
  const dir = resolve(request.source.path);
  const info = await lstat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new WorkbenchError('NOT_FOUND', `The job folder ${dir} does not exist or is not a folder.`);
  return { name: slug(basename(dir)), dir };
}

/** A job name fit for a file name: lower-case letters, digits and dashes. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'job';
}

/** The script must be a file inside the job folder. */
export async function checkScript(jobDir: string, script: string): Promise<string> {
  const clean = normalize(script);
  if (isAbsolute(script) || clean.startsWith(`..${sep}`) || clean === '..') {
    throw new WorkbenchError('BAD_INPUT', `The script must be a path inside the job folder, not "${script}".`);
  }
  const info = await lstat(join(jobDir, clean)).catch(() => undefined);
  if (!info?.isFile()) throw new WorkbenchError('NOT_FOUND', `The job folder has no script ${clean}.`);
  return clean.split(sep).join('/');
}

/** The filter parses as JSON and nests no deeper than the worker's runner reads (it refuses deeper). */
export function checkFilterJson(text: string): void {
  const nesting = nestingDepth(text);
  if (nesting.overLimitAt >= 0) {
    throw new WorkbenchError('BAD_INPUT', `${tooDeepMessage('The filter', nesting.depth)}; a filter needs 4. Check it in the editor, which marks where it goes too deep.`);
  }
  try {
    JSON.parse(text);
  } catch (err) {
    throw new WorkbenchError('BAD_INPUT', `The filter is not valid JSON: ${(err as Error).message}`);
  }
}

export function formatMinutes(minutes: number): string {
  return minutes >= 1 && Number.isInteger(minutes) ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(minutes * 60)} seconds`;
}

/**
 * Bytes of the job folder that a run copies (what the upload's progress counts to); refuses a
 * folder with links or special files before any run exists, as the copy itself would.
 */
export async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    const rel = relative(dir, path).split(sep).join('/');
    if (IGNORED.test(rel) || entry.isDirectory()) continue;
    if (!entry.isFile()) {
      const kind = entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
      throw new WorkbenchError('BAD_INPUT', `${path} is ${kind}; only regular files and folders are copied. Replace it with the file itself or remove it.`);
    }
    total += (await stat(path)).size;
  }
  return total;
}

/**
 * The runner's command line for a map/reduce run, in the run's folder (argv, never a shell string).
 * `python` runs it (default python3; Spark on this computer may need the repository's .venv). On
 * Spark the job runs in a local Spark on the worker with `mappers` cores (`local[N]`): the runner
 * makes a few map tasks per core, as the local engine's mappers share out the files. A worker
 * with a Spark master of its own (a Spark cluster: `yarn`) runs it there instead.
 */
export function runnerArgv(
  runtimeDir: string,
  job: { script: string; name: string; dataDir: string; mappers: number; reducers: number; sorted: boolean; engine?: Engine; python?: string; s3CacheGb?: number | undefined; sparkMaster?: string },
): string[] {
  return [
    'env',
    `PYTHONPATH=${runtimeDir}`,
    job.python ?? 'python3',
    '-u',
    '-m',
    'mapreduce.job',
    posix.join('code', job.script),
    '--input-filter',
    'filter.json',
    '--data-dir',
    job.dataDir,
    '--output',
    posix.join('output', `${job.name}.txt`),
    '--num-mappers',
    String(job.mappers),
    '--num-reducers',
    String(job.reducers),
    // Input comes from the data dir only (a folder, or an s3:// one the runner lists and fetches), never the old --bucket input.
    '--local-only',
    ...(job.sorted ? ['--sorted'] : []),
    ...(job.engine === 'spark' ? ['--engine', 'spark', '--spark-master', job.sparkMaster ?? `local[${job.mappers}]`] : []),
    ...(job.s3CacheGb !== undefined ? ['--cache-size-gb', String(job.s3CacheGb)] : []),
  ];
}
