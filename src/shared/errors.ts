import { z } from 'zod';

/**
 * Error codes shared by every host. A handler never throws across a transport boundary:
 * whatever goes wrong reaches the caller as `{code, message, retryable}`, where `message`
 * is written for the user (what happened and what to do about it).
 */
export const ERROR_CODES = {
  BAD_INPUT: { retryable: false },
  UNKNOWN_CALL: { retryable: false },
  NOT_FOUND: { retryable: false },
  FORBIDDEN: { retryable: false },
  CORRUPT_DATA: { retryable: false },
  NEWER_DATA: { retryable: false },
  LOOPBACK_ONLY: { retryable: false },
  /** The host showed a key the app has not seen: the user must check its fingerprint first. */
  HOST_KEY_UNKNOWN: { retryable: false },
  /** The host's key differs from the one recorded: possibly an attack; never accepted silently. */
  HOST_KEY_CHANGED: { retryable: false },
  AUTH_FAILED: { retryable: false },
  PERMISSION_DENIED: { retryable: false },
  UNAVAILABLE: { retryable: true },
  TIMEOUT: { retryable: true },
  INTERNAL: { retryable: false },
  /** The user stopped it (a build, a transfer). */
  CANCELLED: { retryable: false },
  /** It would replace something that exists (a tarball) without being told to. */
  CONFLICT: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const WireError = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
export type WireError = z.infer<typeof WireError>;

export class WorkbenchError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WorkbenchError';
    this.code = code;
    this.retryable = options?.retryable ?? ERROR_CODES[code].retryable;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Anything thrown, as it may cross a boundary: internal details never leak as codes. */
export function toWireError(err: unknown): WireError {
  if (err instanceof WorkbenchError) return err.toWire();
  const detail = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message: `Unexpected error: ${detail}`, retryable: false };
}

/** The caller's side: a wire error raised again as an Error with the same fields. */
export class RemoteError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'RemoteError';
    this.code = wire.code;
    this.retryable = wire.retryable;
  }
}
