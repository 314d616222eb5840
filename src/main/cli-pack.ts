import { parseArgs } from 'node:util';
import { printable } from '../shared/display-text.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import { UsageError } from './cli-usage.ts';

export const PACK_USAGE = `Usage: workbench pack DIR -o FILE.tar.gz [options]
       workbench inspect FILE

pack: a reproducible .tar.gz of DIR (same files, same bytes), honouring .workbenchignore and
the default ignores (.git, node_modules, __pycache__, output/, .venv, *.pyc). DIR needs a run.sh
(the package's entry point). Likely secrets stop the build until excluded or allowed.
  -o, --output FILE         the tarball to write (outside DIR)
  --exclude PATH            leave PATH (relative to DIR) out; repeatable
  --allow-secret PATH       pack PATH although it looks like a secret; repeatable
inspect: a tarball's entries, entry point and problems; exits 1 when it has any.`;

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `workbench pack`: builds through the same call as the UI, progress on stderr. */
export async function runPackCommand(client: WorkbenchClient, args: string[], out: (line: string) => void, err: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { output: { type: 'string', short: 'o' }, exclude: { type: 'string', multiple: true }, 'allow-secret': { type: 'string', multiple: true } },
    allowPositionals: true,
    strict: true,
  });
  const [dir] = positionals;
  if (!dir || !values.output || positionals.length > 1) throw new UsageError('pack needs one folder and -o FILE.tar.gz.');
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
  for (const problem of found.problems) out(`unsafe: ${printable(problem.message)}`);
  for (const secret of found.secrets) out(`secret: ${printable(secret.path)}${secret.line ? `:${secret.line}` : ''} holds ${secret.kind}`);
  return found.problems.length + found.secrets.length > 0 ? 1 : 0;
}
