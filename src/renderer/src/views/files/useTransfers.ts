import { useCallback } from 'react';
import type { TransferSnapshot } from '../../../../shared/transfer-model.ts';
import { useClient } from '../../api/context.tsx';
import { useLive } from '../../lib/useLive.ts';

/** The transfer list, kept live: read when the bridge opens, then replaced by each `transfers:changed` snapshot. */
export function useTransfers(): TransferSnapshot | undefined {
  const client = useClient();
  const load = useCallback(() => client.call('transfers:list'), [client]);
  return useLive({ load, topic: 'transfers:changed' }).value;
}
