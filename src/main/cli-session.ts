import type { AppPaths } from './built-paths.ts';
import { resolveDataDir } from './data-dir.ts';
import { inProcessClient } from './in-process-client.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import { createWorkbench, type Workbench } from './workbench.ts';

/**
 * Opens the workbench on the data folder a command names (`--data-dir`, else the default),
 * hands `use` the typed client of the contract, and closes both when `use` ends, however it
 * ends: an SSH connection or a timer left open would keep the process alive after its work.
 * `workbench` is the core itself, for the few waits a short-lived process needs that no call
 * offers (see the commands that take it).
 */
export async function withWorkbench<T>(
  options: { dataDir: string | undefined; paths: AppPaths },
  use: (client: WorkbenchClient, workbench: Workbench) => Promise<T>,
): Promise<T> {
  const workbench = await createWorkbench({ dataDir: resolveDataDir({ flag: options.dataDir }), host: 'cli', resourcesDir: options.paths.resourcesDir });
  const client = inProcessClient(workbench);
  try {
    return await use(client, workbench);
  } finally {
    client.close();
    await workbench.close();
  }
}
