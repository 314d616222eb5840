/**
 * What to show the user for a failed call: the core's message (written for the user, see
 * RemoteError), or the thrown value's text when something else failed.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : String(err);
}
