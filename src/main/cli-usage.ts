/**
 * A command line the user must write differently: the process exits with 2 and prints the
 * message, then `help` (the usage of the command meant) when there is one.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly help?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * What the `workbench` command prints on stderr when a command fails, and its exit code: 2 for
 * a usage error (ours, or one of node's argument parser), 1 for anything else.
 */
export function failureOf(err: unknown): { text: string; exitCode: number } {
  if (err instanceof UsageError) return { text: `workbench: ${err.help ? `${err.message}\n\n${err.help}` : err.message}`, exitCode: 2 };
  const parseArgsError = String((err as { code?: unknown } | undefined)?.code).startsWith('ERR_PARSE_ARGS');
  return { text: `workbench: ${err instanceof Error ? err.message : String(err)}`, exitCode: parseArgsError ? 2 : 1 };
}
