import { WorkbenchError } from '../../../shared/errors.ts';
import { retryAfter } from '../../retry.ts';

/** Pauses between tries over a connection that keeps dropping: 8 tries, about 30 s in all. */
const PAUSES_MS = [500, 1000, 2000, 4000, 5000, 5000, 5000];

/** The worker could not be reached: the connection dropped and is being re-established. */
function isUnreachable(err: unknown): boolean {
  // ssh2 fails requests pending on a dropped connection with plain errors like these.
  return err instanceof WorkbenchError ? err.retryable : /No response from server|Not connected|ECONNRESET|closed/i.test((err as Error).message);
}

/**
 * Runs `work` again while it fails because the worker cannot be reached, a few times with
 * growing pauses; other errors and the last failure are thrown.
 */
export function retryWhileUnreachable<T>(work: () => Promise<T>): Promise<T> {
  return retryAfter(work, PAUSES_MS, isUnreachable);
}
