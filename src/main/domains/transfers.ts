import { join } from 'node:path';
import { transferHandlers } from '../services/ssh/transfers/transfer-handlers.ts';
import { TransferService } from '../services/ssh/transfers/transfer-service.ts';
import type { Core, Domain } from './domain.ts';
import type { SshDomain } from './ssh.ts';
import type { WorkersDomain } from './workers.ts';

export interface TransfersDomain extends Domain<keyof ReturnType<typeof transferHandlers>> {
  /** Uploads and downloads of every worker (`download` + `settled` for other domains). */
  transfers: TransferService;
}

/**
 * The transfer queue of every worker: resumable, SHA-256 checked, offered again after a restart.
 * A dropped connection that comes back resumes the transfers it broke.
 */
export async function createTransfersDomain(core: Pick<Core, 'dataDir' | 'bus' | 'store' | 'notices'>, deps: { ssh: SshDomain; workers: WorkersDomain }): Promise<TransfersDomain> {
  const transfers = new TransferService({
    store: core.store,
    connect: (workerId) => deps.workers.connect(workerId),
    emit: (snapshot) => core.bus.emit('transfers:changed', snapshot),
    downloadDir: join(core.dataDir, 'downloads'),
    stagingDir: join(core.dataDir, 'staging'),
    connectionState: (workerId) => deps.ssh.connections.state(workerId),
    onPersistError: (err) => console.error(`workbench: could not save the transfer list: ${err instanceof Error ? err.message : String(err)}`),
  });
  // Transfers an earlier session left unfinished are offered again (a damaged list is set aside).
  await transfers.load().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    if (!core.notices.some((n) => n.message === message)) core.notices.push({ level: 'warning', message });
  });
  const stopWatching = core.bus.on('workers:state', ({ workerId, state }) => transfers.connectionChanged(workerId, state));
  return {
    transfers,
    handlers: transferHandlers(transfers),
    close: async () => {
      stopWatching();
      // While connections are up (the ssh domain closes later): moving transfers are saved as they are, to be offered again.
      await transfers.close();
    },
  };
}
