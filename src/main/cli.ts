import { builtPaths } from './built-paths.ts';
import { runCli } from './cli-commands.ts';
import { failureOf } from './cli-usage.ts';
import { exitWithParent } from './exit-with-parent.ts';

// Entry of the `workbench` command.
exitWithParent();
runCli(process.argv.slice(2), { paths: builtPaths(__dirname) }).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    const { text, exitCode } = failureOf(err);
    console.error(text);
    process.exitCode = exitCode;
  },
);
