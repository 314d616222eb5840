import type { Handlers } from '../../../rpc.ts';
import { listLocalFolder } from '../../local/local-files.ts';
import type { TransferService } from './transfer-service.ts';

type TransferHandlers = Pick<
  Handlers,
  | 'transfers:upload'
  | 'transfers:download'
  | 'transfers:list'
  | 'transfers:cancel'
  | 'transfers:retry'
  | 'transfers:resolve-conflict'
  | 'transfers:clear-finished'
  | 'local:list'
>;

/** The transfer calls of the contract, and the local folder listing their picker needs. */
export function transferHandlers(transfers: TransferService): TransferHandlers {
  return {
    'transfers:upload': ({ workerId, localPaths, remoteDir, conflict }) => transfers.upload(workerId, localPaths, remoteDir, { conflict }),
    'transfers:download': ({ workerId, remotePaths, localDir, conflict }) => transfers.download(workerId, remotePaths, localDir, { conflict }),
    'transfers:list': () => transfers.snapshot(),
    'transfers:cancel': ({ id }) => (transfers.cancel(id), null),
    'transfers:retry': ({ id }) => (transfers.retry(id), null),
    'transfers:resolve-conflict': ({ id, choice, applyToAll }) => (transfers.resolveConflict(id, choice, applyToAll), null),
    'transfers:clear-finished': () => (transfers.clearFinished(), null),
    'local:list': ({ path }) => listLocalFolder(path),
  };
}
