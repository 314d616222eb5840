import { WorkbenchError } from '../../../shared/errors.ts';

/**
 * One argument for a POSIX shell command line, as a single-quoted word. Inside single quotes a
 * POSIX shell treats every byte literally (spaces, `$`, backquotes, `\`, `*`, newlines) except
 * the single quote itself, which is written as `'\''` (close, escaped quote, reopen). A leading
 * dash stays a dash, so callers still put `--` before paths for the command's own parser.
 *
 * This is the only way a path may reach `client.exec`: never interpolate a path unquoted.
 * Assumes the login shell on the worker is POSIX (sh, dash, bash, zsh, ksh); csh and fish quote
 * differently.
 */
export function shellQuote(arg: string): string {
  // A C string ends at NUL, so no shell, file name or argv can carry one: the command would
  // silently act on a shorter path.
  if (arg.includes('\0')) {
    throw new WorkbenchError('BAD_INPUT', 'A path or argument contains a NUL character, which no file name can hold.');
  }
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A command line from argv words, each quoted. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
