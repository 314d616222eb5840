import { parseArgs } from 'node:util';
import { printable } from '../shared/display-text.ts';
import type { AppPaths } from './built-paths.ts';
import { resolveDataDir } from './data-dir.ts';
import { startWebServer } from './web-server.ts';
import { createWorkbench } from './workbench.ts';

/**
 * Starts the browser workbench serving the built renderer; resolves once it
 * listens. Used by `npm run web` and `workbench web`.
 */
export async function runWebHost(argv: string[], paths: AppPaths): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
    },
    strict: true,
  });
  const port = values.port === undefined ? 0 : parsePort(values.port);
  const workbench = await createWorkbench({ dataDir: resolveDataDir({ flag: values['data-dir'] }), host: 'web', resourcesDir: paths.resourcesDir });
  const server = await startWebServer({ workbench, rendererDir: paths.rendererDir, port });
  // The page shows these too, until dismissed there; the terminal says them once per start.
  for (const notice of (await workbench.handlers['app:info'](undefined)).notices) console.error(`workbench web: ${notice.level}: ${notice.message}`);
  console.log(`Analysis Workbench is open at ${server.url}`);

  const stop = () => {
    void server.close().then(() => workbench.close()).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * `--port`'s value as a TCP port. Only plain digits count: Number() reads '', ' 0', '+0', '0x0'
 * and '0e0' as 0, and a typo must not quietly serve on a random port.
 */
export function parsePort(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new Error(`--port must be a whole number from 0 to 65535 (0 picks a free port), not "${printable(text)}".`);
  }
  return port;
}
