import { useCallback, useState } from 'react';
import { errorMessage } from './errors.ts';

export interface Action<A extends unknown[]> {
  /**
   * Runs the work, clearing the last error first; resolves true when it succeeded, false when it
   * threw (its message is then in `error`). Never rejects.
   */
  run(...args: A): Promise<boolean>;
  /** True while a run is under way (buttons disable on it). */
  pending: boolean;
  /** The last run's failure, for an ErrorText beside the button. */
  error: string | undefined;
  /** Shows a message of the caller's own (a check before calling) or clears it. */
  setError(message: string | undefined): void;
}

/**
 * A call the user starts (a button, a form), with its pending and error state: the one shape
 * for "run this, disable the button meanwhile, say what went wrong".
 */
export function useAction<A extends unknown[]>(work: (...args: A) => Promise<unknown>): Action<A> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(
    async (...args: A) => {
      setPending(true);
      setError(undefined);
      try {
        await work(...args);
        return true;
      } catch (err) {
        setError(errorMessage(err));
        return false;
      } finally {
        setPending(false);
      }
    },
    [work],
  );
  return { run, pending, error, setError };
}

const runStep = (step: () => Promise<unknown>) => step();

/**
 * useAction for a component whose several buttons share one pending flag and one error line:
 * `run(() => client.call(...))`.
 */
export function useSteps(): Action<[step: () => Promise<unknown>]> {
  return useAction(runStep);
}
