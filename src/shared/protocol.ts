import { z } from 'zod';
import { WireError } from './errors.ts';
import { MAX_WRITE_CHARS } from './workspace.ts';

/**
 * The envelopes every transport carries. Electron IPC and the WebSocket move the same
 * shapes, so one client (rpc-client.ts) and one dispatcher (main/rpc.ts) serve both.
 */

export const Subscription = z.object({
  topic: z.string().max(64),
  key: z.string().max(256).optional(),
});
export type Subscription = z.infer<typeof Subscription>;

export type CallResult = { ok: true; value: unknown } | { ok: false; error: WireError };

export const EventEnvelope = z.object({
  topic: z.string(),
  key: z.string().optional(),
  payload: z.unknown(),
});
export type EventEnvelope = z.infer<typeof EventEnvelope>;

/**
 * The most bytes one client message may carry over the WebSocket: the server's frame limit,
 * and the page refuses to send more. Sized so that whatever text the Editor may save
 * (MAX_WRITE_CHARS UTF-16 units, the schema's limit) fits once JSON-encoded: JSON spends at
 * most 6 bytes on one unit (`\u0001`, a lone surrogate), and 1 MiB covers the rest of the
 * envelope (a root and a path of at most 4096 characters each). Keeping the schema's limit
 * and sizing the frame for it, rather than the reverse, lets both hosts save the same files.
 */
export const MAX_CLIENT_MESSAGE_BYTES = 6 * MAX_WRITE_CHARS + 1024 * 1024;

/** Client -> core over the WebSocket. */
export const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int().nonnegative(), name: z.string().max(64), input: z.unknown().optional() }),
  z.object({ t: z.literal('sub'), sub: Subscription }),
  z.object({ t: z.literal('unsub'), sub: Subscription }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Core -> client over the WebSocket. */
export type ServerMessage =
  | { t: 'result'; id: number; result: CallResult }
  | { t: 'events'; batch: EventEnvelope[] };

/** Subscriptions are reference-counted by this key on both sides. */
export function subscriptionKey(sub: Subscription): string {
  return sub.key === undefined ? sub.topic : `${sub.topic}\u0000${sub.key}`;
}
