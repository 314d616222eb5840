import { builtPaths } from './built-paths.ts';
import { runCli, UsageError } from './cli-commands.ts';
import { exitWithParent } from './exit-with-parent.ts';

// Entry of the `workbench` command.
exitWithParent();
runCli(process.argv.slice(2), { paths: builtPaths(__dirname) }).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`workbench: ${err instanceof Error ? err.message : String(err)}`);
    const usage = err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.exitCode = usage ? 2 : 1;
  },
);
