import { createClient, type Channel, type WorkbenchClient } from '../../../shared/rpc-client.ts';
import { createSocketChannel, type ConnectionState } from '../../../shared/ws-channel.ts';

declare global {
  interface Window {
    /** Present only in the Electron app, set by the preload. */
    workbench?: Channel & { pathForFile?: (file: File) => string };
  }
}

export interface Bridge {
  client: WorkbenchClient;
  /** 'open' for the Electron bridge, which cannot drop; `dropReason` is why the server last closed it, if it said. */
  connection: { get(): ConnectionState; dropReason(): string | undefined; subscribe(listener: (state: ConnectionState) => void): () => void };
}

/**
 * The renderer's one way to the core: the preload's bridge inside Electron, otherwise the
 * browser workbench's WebSocket (authenticated by the cookie the page was served with).
 */
export function connectBridge(): Bridge {
  if (window.workbench) {
    return {
      client: createClient(window.workbench),
      connection: { get: () => 'open', dropReason: () => undefined, subscribe: () => () => {} },
    };
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  const channel = createSocketChannel(() => new WebSocket(url));
  return {
    client: createClient(channel),
    connection: { get: () => channel.state, dropReason: () => channel.dropReason, subscribe: (listener) => channel.onState(listener) },
  };
}

/**
 * Where a file dropped on the page is on this computer: known only inside the Electron app (the
 * preload asks webUtils); a browser never tells a page, so there it is undefined.
 */
export function pathOfDroppedFile(file: File): string | undefined {
  return window.workbench?.pathForFile?.(file) || undefined;
}
