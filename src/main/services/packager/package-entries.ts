import { open, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Manifest, WrapperText } from '../../../shared/packager-model.ts';
import { entryNeeds, entryPointProblems } from './entry-point.ts';
import type { TreeScan } from './scan.ts';
import { compareArchivePaths, type PackEntry } from './tar-write.ts';
import { MANIFEST_NAME, manifestText, RUNNER_DIR } from './wrapper.ts';

const RUNNER_SKIP = /(^|\/)__pycache__(\/|$)|\.pyc$/;

/** The longest script read to see what an entry point needs (the secret search reads as much). */
const SCRIPT_READ_BYTES = 256 * 1024;

/**
 * Everything that goes into a package, in archive order: the scanned folder, then (replacing
 * any of the folder's own) the generated run.sh, what its entry point needs bundled (the
 * map/reduce runner, for a generated map/reduce job or a run.sh that runs
 * `python3 -m mapreduce.job`, unless the folder has its own mapreduce/) and workbench.json.
 * A package whose entry point would fail for want of a file it names is refused, saying which.
 */
export async function packageEntries(scan: TreeScan, options: { name: string; wrapper?: WrapperText; runnerDir: string }): Promise<{ entries: PackEntry[]; manifest: Manifest }> {
  const generated = new Set([MANIFEST_NAME, ...(options.wrapper ? ['run.sh'] : [])]);
  const entries: PackEntry[] = [
    ...scan.dirs.map((path): PackEntry => ({ path, kind: 'dir' })),
    ...scan.files.filter((f) => !generated.has(f.path)).map((f): PackEntry => ({ path: f.path, kind: 'file', bytes: f.bytes, executable: (f.mode & 0o111) !== 0, source: f.source })),
  ];
  let command: string[];
  let outputDir = 'output';
  let bundles: readonly string[];
  if (options.wrapper) {
    command = options.wrapper.command;
    outputDir = options.wrapper.outputDir;
    bundles = options.wrapper.bundles;
    entries.push(textEntry('run.sh', options.wrapper.runSh, true));
  } else if (scan.files.some((f) => f.path === 'run.sh')) {
    command = ['sh', 'run.sh'];
    bundles = [];
  } else {
    throw new WorkbenchError('BAD_INPUT', 'The package has no entry point: generate a run.sh with the wrapper form, or add a run.sh to the folder.');
  }
  const files = await filesOf(entries);
  if (!options.wrapper && entryNeeds(command, files).runnerBy !== undefined) bundles = [RUNNER_DIR];
  // A folder with its own runner (its own mapreduce/) keeps it.
  if (bundles.includes(RUNNER_DIR) && !entries.some((e) => e.path === RUNNER_DIR || e.path.startsWith(`${RUNNER_DIR}/`))) {
    const runner = await runnerEntries(options.runnerDir);
    entries.push(...runner);
    for (const entry of runner) if (entry.kind === 'file') files.modes.set(entry.path, 0o644);
  }
  const problems = entryPointProblems(command, files);
  if (problems.length > 0) throw new WorkbenchError('BAD_INPUT', `The package would not run: ${problems.map((p) => p.message).join(' ')}`);
  const manifest: Manifest = { format: 'analysis-workbench-package', version: 1, name: options.name, command, outputDir };
  entries.push(textEntry(MANIFEST_NAME, manifestText(manifest), false));
  entries.sort((a, b) => compareArchivePaths(a.path, b.path));
  return { entries, manifest };
}

/** The entries as the entry-point checks see them: modes as packed, and the text of run.sh (every package's entry script). */
async function filesOf(entries: readonly PackEntry[]): Promise<{ modes: Map<string, number>; texts: Map<string, string> }> {
  const modes = new Map<string, number>();
  const texts = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind !== 'file') continue;
    modes.set(entry.path, entry.executable ? 0o755 : 0o644);
    if (entry.path === 'run.sh') texts.set(entry.path, ('data' in entry ? entry.data : await readStart(entry.source, SCRIPT_READ_BYTES)).toString('utf8'));
  }
  return { modes, texts };
}

async function readStart(source: string, max: number): Promise<Buffer> {
  const handle = await open(source, 'r');
  try {
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buffer, 0, max, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
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
