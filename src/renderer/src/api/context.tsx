import { createContext, useContext, useSyncExternalStore } from 'react';
import type { WorkbenchClient } from '../../../shared/rpc-client.ts';
import type { ConnectionState } from '../../../shared/ws-channel.ts';
import type { Bridge } from './bridge.ts';

export const BridgeContext = createContext<Bridge | undefined>(undefined);

function useBridge(): Bridge {
  const bridge = useContext(BridgeContext);
  if (!bridge) throw new Error('useBridge outside <BridgeContext.Provider>');
  return bridge;
}

export function useClient(): WorkbenchClient {
  return useBridge().client;
}

export function useConnectionState(): ConnectionState {
  const { connection } = useBridge();
  return useSyncExternalStore(connection.subscribe, connection.get);
}

/** Why the server last closed the connection, when it said; undefined once it is open again. */
export function useDropReason(): string | undefined {
  const { connection } = useBridge();
  return useSyncExternalStore(connection.subscribe, connection.dropReason);
}
