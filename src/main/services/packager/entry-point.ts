import { posix } from 'node:path';
import type { Engine, InspectionProblem } from '../../../shared/packager-model.ts';
import { RUNNER_DIR } from './wrapper.ts';

/**
 * What a package's entry point needs from the package itself, read from its command and from
 * the shell script it runs: the script, the files that script names (a map/reduce job's script
 * and filter), the executable bit of a script run directly, and the map/reduce runner. A run
 * provides only DATA_DIR and OUTPUT_DIR, so anything else must be inside the package.
 *
 * Scripts are read, never run: only words that are plain paths (or paths under the script's
 * own folder, `"$here/job.py"`) are checked; anything built at run time is left alone.
 */

/** A package as the checks see it. */
export interface PackageFiles {
  /** Every plain file by its path inside the package, with its mode. */
  modes: ReadonlyMap<string, number>;
  /** The text (or its start) of the scripts that may be an entry point. */
  texts: ReadonlyMap<string, string>;
}

export interface EntryNeeds {
  /** The file the command runs, and whether it runs it directly (so it must be executable). */
  script?: { path: string; direct: boolean };
  /** Files the script names, each with what it is for ("runs job.py"). */
  files: { path: string; role: string; by: string }[];
  /** Who runs `python3 -m mapreduce.job` (the command, or its script); undefined when nothing does. */
  runnerBy?: string;
  /** Set when a runner call names `--engine spark` (or `--engine=spark`); otherwise the runner runs locally. */
  engine?: 'spark';
}

/** The module every map/reduce job runs, and the file that must be in the package for it. */
export const RUNNER_MODULE = 'mapreduce.job';
const RUNNER_MAIN = `${RUNNER_DIR}/job.py`;

const SHELLS = new Set(['sh', 'bash', 'dash', 'ksh', 'zsh']);
const PYTHONS = /^python(3(\.\d+)?)?$/;
const OTHER_INTERPRETERS = new Set(['perl', 'ruby', 'node', 'Rscript']);
/** Options of the runner that take a value (so the word after them is not the job script). */
const RUNNER_VALUE_OPTIONS = new Set(['-m', '--num-mappers', '-r', '--num-reducers', '-d', '--data-dir', '-w', '--work-dir', '-o', '--output', '-f', '--input-filter', '-b', '--bucket', '--engine', '--spark-master']);
const FILTER_OPTIONS = new Set(['-f', '--input-filter']);

/** A shell word, or an operator (`;`, `&&`, `|`, `>` ...) that ends a simple command. */
interface Word {
  text: string;
  op: boolean;
}

export function entryNeeds(command: readonly string[], files: PackageFiles): EntryNeeds {
  const needs: EntryNeeds = { files: [] };
  const words = withoutEnv(command);
  const [program, ...args] = words;
  if (program === undefined) return needs;
  const shown = command.join(' ');
  const name = posix.basename(program);
  if (program.includes('/') && packagePath(program) !== undefined) {
    needs.script = { path: packagePath(program)!, direct: true };
  } else if (SHELLS.has(name) || PYTHONS.test(name) || OTHER_INTERPRETERS.has(name)) {
    const call = interpreterCall(name, args);
    if (call.module === RUNNER_MODULE) {
      needs.runnerBy = `the command (${shown})`;
      runnerArgs(call.rest, needs, `the command (${shown})`, (word) => packagePath(word));
    } else if (call.script !== undefined) {
      const path = packagePath(call.script);
      if (path !== undefined) needs.script = { path, direct: false };
    }
  }
  const script = needs.script;
  const text = script && files.texts.get(script.path);
  if (script && text !== undefined && isShellScript(name, script, text)) scriptNeeds(script.path, text, needs);
  return needs;
}

/** The engine a package's runner call uses: spark when it names `--engine spark`, else local (also when it runs no runner). */
export function entryEngine(command: readonly string[], files: PackageFiles): Engine {
  return entryNeeds(command, files).engine ?? 'local';
}

/** What the package lacks for its command to run, each with what to do about it. */
export function entryPointProblems(command: readonly string[], files: PackageFiles): InspectionProblem[] {
  const needs = entryNeeds(command, files);
  const problems: InspectionProblem[] = [];
  const shown = command.join(' ');
  const problem = (path: string, message: string) => problems.push({ kind: 'entry-point', path, message });
  const script = needs.script;
  if (script) {
    const mode = files.modes.get(script.path);
    if (mode === undefined) {
      problem(script.path, `The command (${shown}) runs ${script.path}, which is not in the package: add ${script.path} to the folder, or change the command, and pack again.`);
    } else if (script.direct && (mode & 0o111) === 0) {
      problem(script.path, `The command (${shown}) runs ${script.path} directly, but it is not executable (mode ${(mode & 0o777).toString(8).padStart(3, '0')}): make it executable (chmod +x ${script.path}) and pack again, or run it as "sh ${script.path}".`);
    }
  }
  for (const need of needs.files) {
    if (!files.modes.has(need.path)) problem(need.path, `${need.by} ${need.role} ${need.path}, which is not in the package: add ${need.path} to the folder (check it is not unchecked or ignored) and pack again.`);
  }
  if (needs.runnerBy !== undefined && !hasRunner(files.modes)) {
    problem(
      RUNNER_DIR,
      `${needs.runnerBy} runs the map/reduce runner (python3 -m ${RUNNER_MODULE}), but the package holds no ${RUNNER_MAIN}: pack the folder again with the Packager or "workbench pack", which bundle the runner, or add the runner as ${RUNNER_DIR}/.`,
    );
  }
  return problems;
}

/** The runner is at the package's root, or in a folder the script puts on PYTHONPATH itself. */
function hasRunner(modes: ReadonlyMap<string, number>): boolean {
  if (modes.has(RUNNER_MAIN)) return true;
  for (const path of modes.keys()) if (path.endsWith(`/${RUNNER_MAIN}`)) return true;
  return false;
}

/** `env -i A=1 python3 x.py` and `A=1 python3 x.py` run python3 x.py. */
function withoutEnv(command: readonly string[]): string[] {
  const isEnv = command[0] !== undefined && posix.basename(command[0]) === 'env';
  let i = isEnv ? 1 : 0;
  while (i < command.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(command[i]!) || (isEnv && command[i]!.startsWith('-')))) i += 1;
  return command.slice(i);
}

/** The script an interpreter runs, or the module `python -m` runs (with the words after it). */
function interpreterCall(name: string, args: readonly string[]): { script?: string; module?: string; rest: string[] } {
  const python = PYTHONS.test(name);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    // Code given inline (sh -c, python -c, perl -e): no script file.
    if (arg === '-c' || (arg === '-e' && !SHELLS.has(name) && !python)) return { rest: [] };
    if (python && arg === '-m') return { module: args[i + 1], rest: args.slice(i + 2) };
    if (python && arg.startsWith('-m') && arg.length > 2) return { module: arg.slice(2), rest: args.slice(i + 1) };
    if (arg === '--') return { script: args[i + 1], rest: args.slice(i + 2) };
    if (arg.startsWith('-')) {
      if ((python && (arg === '-W' || arg === '-X')) || (SHELLS.has(name) && arg === '-o')) i += 1;
      continue;
    }
    return { script: arg, rest: args.slice(i + 1) };
  }
  return { rest: [] };
}

function isShellScript(interpreter: string, script: { path: string; direct: boolean }, text: string): boolean {
  if (SHELLS.has(interpreter)) return true;
  if (!script.direct) return false;
  const first = text.split('\n', 1)[0] ?? '';
  return script.path.endsWith('.sh') || /^#!.*\b(sh|bash|dash|ksh|zsh)\b/.test(first);
}

/** The job script and filter a runner call names, from the words after `-m mapreduce.job`. */
function runnerArgs(words: readonly string[], needs: EntryNeeds, by: string, resolve: (word: string) => string | undefined): void {
  let script: string | undefined;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const [option, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (RUNNER_VALUE_OPTIONS.has(option)) {
      const value = inline ?? words[++i];
      if (option === '--engine' && value === 'spark') needs.engine = 'spark';
      const path = FILTER_OPTIONS.has(option) && value !== undefined ? resolve(value) : undefined;
      if (path !== undefined) needs.files.push({ path, role: 'reads its filter from', by });
      continue;
    }
    if (word.startsWith('-') || script !== undefined) continue;
    script = word;
    const path = resolve(word);
    if (path !== undefined) needs.files.push({ path, role: 'runs the map/reduce script', by });
  }
}

/** What a shell script needs: the runner and what it names, and what its `exec` line runs. */
function scriptNeeds(scriptPath: string, text: string, needs: EntryNeeds): void {
  const scriptDir = posix.dirname(scriptPath) === '.' ? '' : posix.dirname(scriptPath);
  const lines = logicalLines(text);
  // Variables holding the script's own folder: here=$(cd "$(dirname "$0")" && pwd).
  const ownDirVars = new Set<string>();
  let cdsToOwnDir = false;
  for (const line of lines) {
    const assigned = /^\s*(?:export\s+|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)=.*(dirname\b.*\$\{?0\b|\$\{0%\/\*\})/.exec(line);
    if (assigned) ownDirVars.add(assigned[1]!);
    if (/(^|[;&|]\s*|\bthen\s+)cd\s+.*(dirname\b.*\$\{?0\b|\$\{0%\/\*\})/.test(line)) cdsToOwnDir = true;
    for (const name of ownDirVars) if (new RegExp(`(^|[;&|]\\s*)cd\\s+"?\\$\\{?${name}\\}?"?\\s*($|[;&|])`).test(line)) cdsToOwnDir = true;
  }
  // Relative words are relative to where the script runs: the package root, or its own folder once it cds there.
  const base = cdsToOwnDir ? scriptDir : '';
  const resolve = (word: string): string | undefined => {
    const variable = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))\/(.*)$/.exec(word);
    if (variable) {
      const name = variable[1] ?? variable[2]!;
      if (ownDirVars.has(name)) return packagePath(posix.join(scriptDir || '.', variable[3]!));
      if (name === 'PWD') return packagePath(posix.join(base || '.', variable[3]!));
      return undefined;
    }
    return word.startsWith('/') ? undefined : packagePath(posix.join(base || '.', word));
  };
  const by = scriptPath;
  for (const line of lines) {
    const words = shellWords(line);
    const at = words.findIndex((w, i) => !w.op && ((w.text === RUNNER_MODULE && words[i - 1]?.text === '-m') || w.text === `-m${RUNNER_MODULE}`));
    if (at >= 0) {
      needs.runnerBy ??= by;
      const rest: string[] = [];
      for (const w of words.slice(at + 1)) {
        if (w.op) break;
        rest.push(w.text);
      }
      runnerArgs(rest, needs, by, resolve);
      continue;
    }
    // `exec python3 report.py`, as a generated run.sh ends: the program it hands over to.
    const simple = commandWords(words);
    if (simple[0] !== 'exec' || simple.length < 2) continue;
    const [program, ...args] = withoutEnv(simple.slice(1));
    if (program === undefined) continue;
    const name = posix.basename(program);
    if (!(SHELLS.has(name) || PYTHONS.test(name) || OTHER_INTERPRETERS.has(name))) continue;
    const call = interpreterCall(name, args);
    const path = call.module === undefined && call.script !== undefined ? resolve(call.script) : undefined;
    if (path !== undefined) needs.files.push({ path, role: 'runs', by });
  }
}

/** The words of the first simple command of a line, without leading VAR=value assignments. */
function commandWords(words: readonly Word[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (w.op) break;
    if (out.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text)) continue;
    out.push(w.text);
  }
  return out;
}

/** A path inside the package, normalised; undefined for anything computed or outside. */
function packagePath(word: string): string | undefined {
  if (word === '' || /[$`*?[\]~]/.test(word) || word.startsWith('/')) return undefined;
  const path = posix.normalize(word);
  if (path === '.' || path === '..' || path.startsWith('../') || path.endsWith('/')) return undefined;
  return path;
}

/** Lines with comments dropped and backslash-newline continuations joined. */
function logicalLines(text: string): string[] {
  const joined = text.replace(/\r\n/g, '\n').replace(/\\\n/g, ' ');
  return joined.split('\n').filter((line) => !/^\s*#/.test(line));
}

/**
 * A line split as the shell splits it, quotes removed: enough to read the words of simple
 * commands. Expansions are kept as written (`$here/job.py`).
 */
export function shellWords(line: string): Word[] {
  const words: Word[] = [];
  let current = '';
  let inWord = false;
  const end = () => {
    if (inWord) words.push({ text: current, op: false });
    current = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const close = line.indexOf("'", i + 1);
      const stop = close < 0 ? line.length : close;
      current += line.slice(i + 1, stop);
      inWord = true;
      i = stop;
    } else if (ch === '"') {
      inWord = true;
      for (i += 1; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '$`"\\'.includes(line[i + 1]!)) i += 1;
        current += line[i];
      }
    } else if (ch === '\\') {
      current += line[i + 1] ?? '';
      inWord = true;
      i += 1;
    } else if (ch === '#' && !inWord) {
      break;
    } else if (/\s/.test(ch)) {
      end();
    } else if (';&|<>()'.includes(ch)) {
      end();
      words.push({ text: ch, op: true });
    } else {
      current += ch;
      inWord = true;
    }
  }
  end();
  return words;
}
