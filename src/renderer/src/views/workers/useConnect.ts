import { useCallback, useState } from 'react';
import { RemoteError } from '../../../../shared/errors.ts';
import type { PendingHostKey } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { terminalStoreFor } from './terminal/terminal-store.ts';
import { useSteps } from '../../lib/useAction.ts';

/**
 * Connecting, with the host-key detour: HOST_KEY_UNKNOWN / HOST_KEY_CHANGED are not errors to
 * print but questions (or warnings) for the dialog, so the key the core holds is fetched and
 * handed to the caller. `eventKey` is the one a `workers:host-key` event brought, if any.
 */
export function useConnect(workerId: string, eventKey: PendingHostKey | undefined) {
  const client = useClient();
  const { run, pending: busy, error } = useSteps();
  const [fetchedKey, setFetchedKey] = useState<PendingHostKey>();
  const [dialogOpen, setDialogOpen] = useState(false);

  const connect = useCallback(
    () =>
      run(async () => {
        try {
          await client.call('workers:connect', { workerId });
          setFetchedKey(undefined);
        } catch (err) {
          const code = err instanceof RemoteError ? err.code : undefined;
          if (code !== 'HOST_KEY_UNKNOWN' && code !== 'HOST_KEY_CHANGED') throw err;
          const pending = await client.call('workers:pending-host-key', { workerId }).catch(() => null);
          if (pending) setFetchedKey(pending);
          // Without details from either source, the message (which names the fingerprint) is all we have.
          if (!pending && !eventKey) throw err;
          setDialogOpen(true);
        }
      }),
    [run, client, workerId, eventKey],
  );

  const disconnect = useCallback(
    () =>
      run(async () => {
        // Shells end with the connection; say so in their tabs rather than leave them hanging.
        terminalStoreFor(client).endWorker(workerId);
        await client.call('workers:disconnect', { workerId });
      }),
    [run, client, workerId],
  );

  // The event is newer than what we fetched when both exist (a second attempt, a changed key).
  const hostKey = eventKey ?? fetchedKey;
  return {
    busy,
    error,
    hostKey,
    dialogOpen: dialogOpen && hostKey !== undefined,
    openDialog: () => setDialogOpen(true),
    closeDialog: () => setDialogOpen(false),
    trusted: () => {
      setDialogOpen(false);
      setFetchedKey(undefined);
    },
    connect,
    disconnect,
  };
}
