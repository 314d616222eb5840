import { parseArgs } from 'node:util';
import { printable } from '../shared/display-text.ts';
import { Engine, ENGINE_LABEL, PackageName, WrapperSpec } from '../shared/packager-model.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import { UsageError } from './cli-usage.ts';

export const PACK_USAGE = `Usage: workbench pack DIR -o FILE.tar.gz [options]
       workbench inspect FILE

pack: a reproducible .tar.gz of DIR (same files, same bytes), honouring .workbenchignore and
the default ignores (.git, node_modules, __pycache__, output/, .venv, *.pyc). Its entry point is
DIR's run.sh, or a run.sh generated from --mapreduce or --command. A package whose run.sh runs
python3 -m mapreduce.job gets the map/reduce runner in mapreduce/ (unless DIR has its own), so
it runs anywhere with Python 3: tar xzf FILE -C dir && DATA_DIR=/data OUTPUT_DIR=/out sh dir/run.sh.
Likely secrets stop the build until excluded or allowed.
  -o, --output FILE         the tarball to write (outside DIR)
  --name NAME               the package's name (default DIR's name); with it, renaming DIR
                            leaves the package byte for byte the same
  --force                   replace FILE when it exists
  --exclude PATH            leave PATH (relative to DIR) out; repeatable
  --allow-secret PATH       pack PATH although it looks like a secret; repeatable
Generate run.sh instead of using DIR's own (it writes into OUTPUT_DIR, default output/):
  --mapreduce SCRIPT        a map/reduce job running SCRIPT (such as job.py) with the runner
    --filter FILE           its filter JSON (default filter.json)
    --data DIR              the data folder to read (default: DATA_DIR when the package runs)
    --mappers N             mapper processes (default 4)
    --reducers N            reducer processes (default 1)
    --engine local|spark    local: the runner's own processes (default); spark: Apache Spark
                            through pyspark (where it runs: Python with pyspark 3.5, and Java)
  --command "WORDS"         a command, split on spaces into words (such as "python3 report.py")
  --setup LINE              a setup line run first (such as a package install); repeatable
inspect: a tarball's entries, entry point, engine (Local processes, or Spark when its runner
call names --engine spark) and problems (unsafe entries, and what the entry point needs that
the package does not hold); exits 1 when it has any.`;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A count of processes, as the wrapper form takes it: a whole number from 1 to 256. */
function taskCount(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(count >= 1 && count <= 256)) throw new UsageError(`${flag} must be a whole number from 1 to 256, such as ${flag} 4 (not "${printable(value)}").`);
  return count;
}

/** The run.sh to generate, from the same choices as the Package view's wrapper form; undefined: DIR's own run.sh. */
function wrapperOf(values: { mapreduce?: string; command?: string; filter?: string; data?: string; mappers?: string; reducers?: string; engine?: string; setup?: string[] }): WrapperSpec | undefined {
  const jobOptions = (['filter', 'data', 'mappers', 'reducers', 'engine'] as const).filter((key) => values[key] !== undefined);
  if (values.mapreduce !== undefined && values.command !== undefined) throw new UsageError('Choose one entry point: --mapreduce SCRIPT or --command "WORDS", not both.');
  if (values.mapreduce === undefined && jobOptions.length > 0) throw new UsageError(`--${jobOptions[0]} sets up a map/reduce job: add --mapreduce SCRIPT (such as --mapreduce job.py).`);
  const setup = (values.setup ?? []).join('\n');
  if (values.mapreduce === undefined && values.command === undefined) {
    if (setup !== '') throw new UsageError('--setup lines go into a generated run.sh: add --mapreduce SCRIPT or --command "WORDS".');
    return undefined;
  }
  if (values.command !== undefined) {
    const argv = values.command.trim().split(/\s+/).filter(Boolean);
    if (argv.length === 0) throw new UsageError('--command needs the command to run, such as --command "python3 report.py".');
    return checked({ setup, job: { kind: 'command', argv } });
  }
  return checked({
    setup,
    job: {
      kind: 'mapreduce',
      script: values.mapreduce!,
      ...(values.filter !== undefined && { filter: values.filter }),
      ...(values.data !== undefined && { dataDir: values.data }),
      mappers: taskCount('--mappers', values.mappers, 4),
      reducers: taskCount('--reducers', values.reducers, 1),
      engine: engineOf(values.engine),
    },
  });
}

/** The runner's engine as --engine names it: local (the default) or spark. */
function engineOf(value: string | undefined): Engine {
  if (value === undefined) return 'local';
  const parsed = Engine.safeParse(value);
  if (!parsed.success) throw new UsageError(`--engine must be local or spark, such as --engine spark (not "${printable(value)}").`);
  return parsed.data;
}

/** The option each part of a wrapper spec comes from, to name it when its value is refused. */
const WRAPPER_FLAGS: Record<string, string> = { setup: '--setup', script: '--mapreduce', filter: '--filter', dataDir: '--data', argv: '--command' };

/** The spec as the wrapper form would send it, or a usage error naming the option to fix. */
function checked(spec: WrapperSpec): WrapperSpec {
  const parsed = WrapperSpec.safeParse(spec);
  const issue = parsed.error?.issues[0];
  if (!issue) return spec;
  const flag = issue.path.map(String).reverse().map((key) => WRAPPER_FLAGS[key]).find(Boolean) ?? 'An option';
  throw new UsageError(`${flag} needs ${issue.message}.`);
}

/** `workbench pack`: builds through the same call as the UI, progress on stderr. */
export async function runPackCommand(client: WorkbenchClient, args: string[], out: (line: string) => void, err: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      output: { type: 'string', short: 'o' },
      name: { type: 'string' },
      force: { type: 'boolean', default: false },
      exclude: { type: 'string', multiple: true },
      'allow-secret': { type: 'string', multiple: true },
      mapreduce: { type: 'string' },
      filter: { type: 'string' },
      data: { type: 'string' },
      mappers: { type: 'string' },
      reducers: { type: 'string' },
      engine: { type: 'string' },
      command: { type: 'string' },
      setup: { type: 'string', multiple: true },
    },
    allowPositionals: true,
    strict: true,
  });
  const [dir] = positionals;
  if (!dir || !values.output || positionals.length > 1) throw new UsageError('pack needs one folder and -o FILE.tar.gz.');
  if (values.name !== undefined && !PackageName.safeParse(values.name).success) {
    throw new UsageError(`--name must be 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit, such as --name weekly-report (not "${printable(values.name)}").`);
  }
  const wrapper = wrapperOf(values);
  const buildId = `cli-${process.pid}-${Date.now()}`;
  let shown = false;
  // Progress events arrive as the build emits them, so all of them before its result.
  const unsubscribe = client.subscribe(
    'packager:progress',
    (progress) => {
      if (progress.state !== 'packing') return;
      shown = true;
      err(`\rpacking ${mib(progress.bytesDone)} of ${mib(progress.bytesTotal)}, ${progress.filesDone}/${progress.filesTotal} files`);
    },
    buildId,
  );
  try {
    const result = await client.call('packager:build', {
      buildId,
      root: dir,
      output: values.output,
      excluded: values.exclude ?? [],
      overrides: values['allow-secret'] ?? [],
      force: values.force,
      ...(values.name !== undefined && { name: values.name }),
      ...(wrapper && { wrapper }),
    });
    if (shown) err('\n');
    out(`${result.path}: ${result.files} files, ${mib(result.bytes)}, ${result.seconds.toFixed(1)} s`);
    out(`sha256 ${result.sha256}`);
    return 0;
  } finally {
    unsubscribe();
  }
}

/** `ls -l` letters of the entry types inspect lists; any other type shows as `?` with its name. */
const TYPE_LETTERS: Record<string, string> = { file: '-', 'contiguous-file': '-', directory: 'd', symlink: 'l', link: 'h', 'character-device': 'c', 'block-device': 'b', fifo: 'p' };

/** `workbench inspect`: what a tarball holds, how it runs, and what is wrong with it. */
export async function runInspectCommand(client: WorkbenchClient, args: string[], out: (line: string) => void): Promise<number> {
  const [file, ...extra] = args;
  if (!file || extra.length > 0) throw new UsageError('inspect needs one tarball.');
  const found = await client.call('packager:inspect', { path: file });
  // Names come from the archive: printed with control and bidi characters escaped, so an
  // entry cannot drive the terminal or pass for another.
  for (const entry of found.entries) {
    const letter = TYPE_LETTERS[entry.type];
    const link = entry.linkname ? ` -> ${printable(entry.linkname)}` : '';
    out(`${letter ?? '?'} ${String(entry.bytes).padStart(12)}  ${printable(entry.path)}${link}${letter ? '' : `  [${entry.type}]`}`);
  }
  if (found.truncated) out('... (more entries not listed)');
  out(`${found.files} files, ${mib(found.unpackedBytes)} unpacked, ${mib(found.bytes)} ${found.compressed ? 'compressed' : 'tar'}; sha256 ${found.sha256}`);
  out(found.entryPoint ? `entry point (${found.entryPoint.from}): ${printable(found.entryPoint.command.join(' '))}; output in ${printable(found.entryPoint.outputDir)}/` : 'entry point: none (no workbench.json, no run.sh)');
  if (found.entryPoint) out(`Engine: ${ENGINE_LABEL[found.engine]}`);
  for (const problem of found.problems) out(`${problem.kind === 'unsafe' ? 'unsafe' : 'cannot run'}: ${printable(problem.message)}`);
  for (const secret of found.secrets) out(`secret: ${printable(secret.path)}${secret.line ? `:${secret.line}` : ''} holds ${secret.kind}`);
  return found.problems.length + found.secrets.length > 0 ? 1 : 0;
}
