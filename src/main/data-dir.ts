import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

export const APP_DIR_NAME = 'analysis-workbench';

/**
 * Where the browser and command-line hosts keep their data: `--data-dir` when given, else
 * `$XDG_DATA_HOME/analysis-workbench`, else `~/.local/share/analysis-workbench`. (The Electron
 * host uses its userData folder instead.)
 */
export function resolveDataDir(options: { flag?: string | undefined; env?: NodeJS.ProcessEnv; home?: string }): string {
  const env = options.env ?? process.env;
  if (options.flag !== undefined && options.flag !== '') return resolve(options.flag);
  const xdg = env['XDG_DATA_HOME'];
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  if (xdg && isAbsolute(xdg)) return join(xdg, APP_DIR_NAME);
  return join(options.home ?? homedir(), '.local', 'share', APP_DIR_NAME);
}
