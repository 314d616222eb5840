/**
 * Runs `work`, and again after each of `delaysMs` while it fails with an error `shouldRetry`
 * accepts; any other error, or the last attempt's, is thrown. One loop for every "try again in
 * a moment" the services need (a dropping connection, IAM that has not propagated yet).
 */
export async function retryAfter<T>(
  work: () => Promise<T>,
  delaysMs: readonly number[],
  shouldRetry: (err: unknown) => boolean,
  sleep: (ms: number) => Promise<unknown> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (const delay of delaysMs) {
    try {
      return await work();
    } catch (err) {
      if (!shouldRetry(err)) throw err;
      await sleep(delay);
    }
  }
  return work();
}
