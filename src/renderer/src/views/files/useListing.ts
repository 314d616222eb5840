import { useCallback, useEffect, useRef, useState } from 'react';
import type { RemoteListing } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { errorMessage } from '../../lib/errors.ts';

/** Where each worker's browser was, so coming back to the Files view lands in the same folder. */
const lastPath = new Map<string, string>();

export interface Listing {
  listing: RemoteListing | undefined;
  loading: boolean;
  error: string | undefined;
  /** Goes to a folder (undefined: the worker's home); on failure stays where it was. */
  open(path: string | undefined): Promise<boolean>;
  refresh(): Promise<boolean>;
}

export function useListing(workerId: string | undefined): Listing {
  const client = useClient();
  const [listing, setListing] = useState<RemoteListing>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  // Only the latest request may set the listing: a slow answer must not undo a later click.
  const latest = useRef(0);

  const open = useCallback(
    async (path: string | undefined) => {
      if (!workerId) return false;
      const request = ++latest.current;
      setLoading(true);
      try {
        const next = await client.call('files:list', path === undefined ? { workerId } : { workerId, path });
        if (request !== latest.current) return false;
        setListing(next);
        setError(undefined);
        lastPath.set(workerId, next.path);
        return true;
      } catch (err) {
        if (request === latest.current) setError(errorMessage(err));
        return false;
      } finally {
        if (request === latest.current) setLoading(false);
      }
    },
    [client, workerId],
  );

  useEffect(() => {
    // The caller keys this hook's component by worker, so state starts empty for each worker.
    if (!workerId) return;
    void (async () => {
      // A folder that went away since the last visit: fall back to home.
      const remembered = lastPath.get(workerId);
      if (!(await open(remembered)) && remembered !== undefined) await open(undefined);
    })();
  }, [workerId, open]);

  const refresh = useCallback(() => open(listing?.path), [open, listing?.path]);
  return { listing, loading, error, open, refresh };
}
