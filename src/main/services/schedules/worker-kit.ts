import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTarGz, type PackEntry } from '../packager/tar-write.ts';

/** What a scheduled instance fetches to run a job: run-job.sh and the helpers it calls. */
export const KIT_FILES = ['publish_guard.py', 'run-job.sh', 'run_job_io.py', 'safe_extract.py'] as const;

/**
 * Writes the worker kit (a reproducible .tar.gz of KIT_FILES from resources/worker) to `output`.
 * The same scripts give the same bytes, so its SHA-256 names it in S3 and it is uploaded once.
 */
export async function writeWorkerKit(workerDir: string, output: string): Promise<{ sha256: string }> {
  const entries: PackEntry[] = [];
  for (const name of KIT_FILES) {
    const data = await readFile(join(workerDir, name));
    entries.push({ path: name, kind: 'file', bytes: data.length, executable: name.endsWith('.sh') || name.endsWith('.py'), data });
  }
  const { sha256 } = await writeTarGz(entries, { output });
  return { sha256 };
}
