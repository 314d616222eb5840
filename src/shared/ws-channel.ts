import type { CallResult, ClientMessage, EventEnvelope, ServerMessage, Subscription } from './protocol.ts';
import type { Channel } from './rpc-client.ts';

/** The part of the WebSocket API we use: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SocketChannel extends Channel {
  readonly state: ConnectionState;
  onState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

const OPEN = 1;
const MAX_BACKOFF_MS = 5000;

/**
 * A Channel over a WebSocket that survives drops: calls made while disconnected wait for the
 * socket, calls in flight when it drops fail as retryable, and subscriptions are renewed on
 * every reconnect.
 */
export function createSocketChannel(open: () => SocketLike): SocketChannel {
  let socket: SocketLike | undefined;
  let state: ConnectionState = 'connecting';
  let nextId = 1;
  let attempt = 0;
  let closedByUser = false;
  let receiver: ((batch: EventEnvelope[]) => void) | undefined;
  const pending = new Map<number, (result: CallResult) => void>();
  const outbox: string[] = [];
  const subscriptions = new Map<string, Subscription>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const send = (message: ClientMessage) => {
    const text = JSON.stringify(message);
    if (socket?.readyState === OPEN) socket.send(text);
    else outbox.push(text);
  };

  function connect(): void {
    const current = open();
    socket = current;
    current.addEventListener('open', () => {
      attempt = 0;
      for (const sub of subscriptions.values()) current.send(JSON.stringify({ t: 'sub', sub } satisfies ClientMessage));
      for (const text of outbox.splice(0)) current.send(text);
      setState('open');
    });
    current.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as ServerMessage;
      if (message.t === 'result') {
        pending.get(message.id)?.(message.result);
        pending.delete(message.id);
      } else if (message.t === 'events') {
        receiver?.(message.batch);
      }
    });
    current.addEventListener('close', () => {
      if (socket !== current) return;
      for (const [id, resolve] of pending) {
        resolve({ ok: false, error: { code: 'UNAVAILABLE', message: 'The connection to the workbench dropped; try again.', retryable: true } });
        pending.delete(id);
      }
      if (closedByUser) return setState('closed');
      setState('reconnecting');
      const delay = Math.min(MAX_BACKOFF_MS, 200 * 2 ** attempt++);
      setTimeout(connect, delay);
    });
  }

  connect();

  return {
    get state() {
      return state;
    },
    invoke(name, input) {
      const id = nextId++;
      return new Promise<CallResult>((resolve) => {
        pending.set(id, resolve);
        send({ t: 'call', id, name, input });
      });
    },
    subscribe(sub) {
      subscriptions.set(JSON.stringify(sub), sub);
      send({ t: 'sub', sub });
    },
    unsubscribe(sub) {
      subscriptions.delete(JSON.stringify(sub));
      send({ t: 'unsub', sub });
    },
    onEvents(receive) {
      receiver = receive;
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    close() {
      closedByUser = true;
      socket?.close();
    },
  };
}
