import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Manifest, WrapperText } from '../../../shared/packager-model.ts';
import type { TreeScan } from './scan.ts';
import { compareArchivePaths, type PackEntry } from './tar-write.ts';
import { MANIFEST_NAME, manifestText, RUNNER_DIR } from './wrapper.ts';

const RUNNER_SKIP = /(^|\/)__pycache__(\/|$)|\.pyc$/;

/**
 * Everything that goes into a package, in archive order: the scanned folder, then (replacing
 * any of the folder's own) the generated run.sh, the bundled runner and workbench.json.
 */
export async function packageEntries(scan: TreeScan, options: { name: string; wrapper?: WrapperText; runnerDir: string }): Promise<{ entries: PackEntry[]; manifest: Manifest }> {
  const generated = new Set([MANIFEST_NAME, ...(options.wrapper ? ['run.sh'] : [])]);
  const entries: PackEntry[] = [
    ...scan.dirs.map((path): PackEntry => ({ path, kind: 'dir' })),
    ...scan.files.filter((f) => !generated.has(f.path)).map((f): PackEntry => ({ path: f.path, kind: 'file', bytes: f.bytes, executable: (f.mode & 0o111) !== 0, source: f.source })),
  ];
  let command: string[];
  let outputDir = 'output';
  if (options.wrapper) {
    command = options.wrapper.command;
    outputDir = options.wrapper.outputDir;
    entries.push(textEntry('run.sh', options.wrapper.runSh, true));
    if (options.wrapper.bundles.includes(RUNNER_DIR)) {
      if (entries.some((e) => e.path === RUNNER_DIR || e.path.startsWith(`${RUNNER_DIR}/`))) {
        throw new WorkbenchError('BAD_INPUT', `The folder has its own ${RUNNER_DIR}/, where the map/reduce runner is bundled; uncheck it or rename it.`);
      }
      entries.push(...(await runnerEntries(options.runnerDir)));
    }
  } else if (scan.files.some((f) => f.path === 'run.sh')) {
    command = ['sh', 'run.sh'];
  } else {
    throw new WorkbenchError('BAD_INPUT', 'The package has no entry point: generate a run.sh with the wrapper form, or add a run.sh to the folder.');
  }
  const manifest: Manifest = { format: 'analysis-workbench-package', version: 1, name: options.name, command, outputDir };
  entries.push(textEntry(MANIFEST_NAME, manifestText(manifest), false));
  entries.sort((a, b) => compareArchivePaths(a.path, b.path));
  return { entries, manifest };
}

function textEntry(path: string, text: string, executable: boolean): PackEntry {
  const data = Buffer.from(text, 'utf8');
  return { path, kind: 'file', bytes: data.length, executable, data };
}

/** resources/worker/mapreduce as package entries under mapreduce/ (compiled caches left out). */
async function runnerEntries(runnerDir: string): Promise<PackEntry[]> {
  const out: PackEntry[] = [{ path: RUNNER_DIR, kind: 'dir' }];
  for (const entry of await readdir(runnerDir, { recursive: true, withFileTypes: true })) {
    const rel = relative(runnerDir, join(entry.parentPath, entry.name)).split(sep).join('/');
    if (RUNNER_SKIP.test(rel)) continue;
    const path = `${RUNNER_DIR}/${rel}`;
    if (entry.isDirectory()) out.push({ path, kind: 'dir' });
    else if (entry.isFile()) {
      const source = join(runnerDir, rel);
      out.push({ path, kind: 'file', bytes: (await stat(source)).size, executable: false, source });
    }
  }
  return out;
}
