import { join } from 'node:path';
import { runCli, UsageError } from './cli-commands.ts';

// Entry of the `workbench` command, built into out/main beside the renderer's out/renderer.
runCli(process.argv.slice(2), { rendererDir: join(__dirname, '../renderer') }).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`workbench: ${err instanceof Error ? err.message : String(err)}`);
    const usage = err instanceof UsageError || String((err as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.exitCode = usage ? 2 : 1;
  },
);
