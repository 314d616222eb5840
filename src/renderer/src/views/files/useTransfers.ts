import { useEffect, useState } from 'react';
import type { TransferSnapshot } from '../../../../shared/transfer-model.ts';
import { useClient, useConnectionState } from '../../api/context.tsx';

/**
 * The transfer list, kept live: read once (and again whenever the bridge reopens, as events sent
 * while it was down are gone), then replaced by each `transfers:changed` snapshot.
 */
export function useTransfers(): TransferSnapshot | undefined {
  const client = useClient();
  const connection = useConnectionState();
  const [snapshot, setSnapshot] = useState<TransferSnapshot>();

  useEffect(() => client.subscribe('transfers:changed', setSnapshot), [client]);

  useEffect(() => {
    if (connection !== 'open') return;
    let current = true;
    client.call('transfers:list').then(
      (list) => current && setSnapshot(list),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, connection]);

  return snapshot;
}
