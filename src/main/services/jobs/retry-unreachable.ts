import { WorkbenchError } from '../../../shared/errors.ts';

/** Tries over a connection that keeps dropping (about 30 s in all). */
const ATTEMPTS = 8;

/**
 * Runs `work` again while it fails because the worker cannot be reached (the connection
 * dropped and is being re-established), a few times with growing pauses; other errors and
 * the last failure are thrown.
 */
export async function retryWhileUnreachable<T>(work: () => Promise<T>, attempts = ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      // ssh2 fails requests pending on a dropped connection with plain errors like these.
      const retryable = err instanceof WorkbenchError ? err.retryable : /No response from server|Not connected|ECONNRESET|closed/i.test((err as Error).message);
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
    }
  }
}
