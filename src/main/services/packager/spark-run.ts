import { basename, dirname } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Engine } from '../../../shared/packager-model.ts';
import { sparkPython } from '../jobs/spark-python.ts';
import { inspectTarball } from './inspect.ts';

/** The engine a package's runner call uses (`--engine spark`), read from the tarball. */
export async function packageEngine(tarball: string): Promise<Engine> {
  return (await inspectTarball(tarball)).engine;
}

/**
 * The folder to put first on PATH for a run of a Spark package on this computer: the one that
 * holds the Python with pyspark (the repository's .venv/bin), so that run.sh's `python3` is that
 * Python. Undefined when that Python is found on PATH already (plain `python3`). Refuses, saying
 * what to install, when no Python here can run Spark.
 */
export async function sparkPathFolder(what: string): Promise<string | undefined> {
  const found = await sparkPython();
  if ('missing' in found) throw new WorkbenchError('NOT_FOUND', `${what} runs its job on Spark, which cannot run on this computer: ${found.missing}`);
  return found.python.includes('/') ? dirname(found.python) : undefined;
}

/**
 * The words that start a run of `tarball` on this computer with the Python that has pyspark
 * first on PATH when the package runs its job on Spark (`env PATH=...`), else none.
 */
export async function localRunPrefix(tarball: string): Promise<string[]> {
  if ((await packageEngine(tarball)) !== 'spark') return [];
  const folder = await sparkPathFolder(basename(tarball));
  if (folder === undefined) return [];
  const path = process.env['PATH'];
  return ['env', `PATH=${folder}${path ? `:${path}` : ''}`];
}
