import { MAX_CLIENT_MESSAGE_BYTES, type CallResult, type ClientMessage, type EventEnvelope, type ServerMessage, type Subscription } from './protocol.ts';
import type { Channel } from './rpc-client.ts';

/** The part of the WebSocket API we use: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'error', listener: () => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface SocketChannel extends Channel {
  readonly state: ConnectionState;
  /** Why the server closed the socket last, when it said (e.g. the page fell behind); cleared once open again. */
  readonly dropReason: string | undefined;
  onState(listener: (state: ConnectionState) => void): () => void;
  close(): void;
}

const OPEN = 1;
const MAX_BACKOFF_MS = 5000;

/** The bytes `text` takes in UTF-8 (as the socket sends it) when more than the server takes, else undefined. */
function bytesOverLimit(text: string): number | undefined {
  // No UTF-16 unit takes more than 3 bytes in UTF-8: most messages need no counting.
  if (text.length * 3 <= MAX_CLIENT_MESSAGE_BYTES) return undefined;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes > MAX_CLIENT_MESSAGE_BYTES ? bytes : undefined;
}

const mebibytes = (bytes: number) => `${Math.ceil(bytes / (1024 * 1024))} MiB`;

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
  let dropReason: string | undefined;
  let receiver: ((batch: EventEnvelope[]) => void) | undefined;
  const pending = new Map<number, (result: CallResult) => void>();
  const outbox: string[] = [];
  const subscriptions = new Map<string, Subscription>();
  const stateListeners = new Set<(state: ConnectionState) => void>();

  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const transmit = (text: string) => {
    if (socket?.readyState === OPEN) socket.send(text);
    else outbox.push(text);
  };
  const send = (message: ClientMessage) => transmit(JSON.stringify(message));

  function connect(): void {
    const current = open();
    socket = current;
    current.addEventListener('open', () => {
      attempt = 0;
      dropReason = undefined;
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
    current.addEventListener('close', (event) => {
      if (socket !== current) return;
      dropReason = event.reason || undefined;
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
    get dropReason() {
      return dropReason;
    },
    invoke(name, input) {
      const id = nextId++;
      const text = JSON.stringify({ t: 'call', id, name, input } satisfies ClientMessage);
      // The server would close the socket on a bigger frame; say so here instead.
      const bytes = bytesOverLimit(text);
      if (bytes !== undefined) {
        const message = `This request (${name}) is too large to send from the browser workbench (${mebibytes(bytes)}; the limit is ${mebibytes(MAX_CLIENT_MESSAGE_BYTES)}). Send less at once, or use the desktop app.`;
        return Promise.resolve({ ok: false, error: { code: 'BAD_INPUT', message, retryable: false } });
      }
      return new Promise<CallResult>((resolve) => {
        pending.set(id, resolve);
        transmit(text);
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
