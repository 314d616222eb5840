import { useEffect, useState } from 'react';
import type { Run } from '../../../shared/model.ts';
import { useClient, useConnectionState } from '../api/context.tsx';

/** Run history, newest first, kept live by `jobs:run` events. */
export function useRuns(): { runs: Run[] | undefined; error: string | undefined } {
  const client = useClient();
  const connection = useConnectionState();
  const [runs, setRuns] = useState<Run[]>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    const unsubscribe = client.subscribe('jobs:run', (run) =>
      setRuns((current) => {
        const others = (current ?? []).filter((r) => r.id !== run.id);
        const next = [run, ...others];
        return next.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
      }),
    );
    return unsubscribe;
  }, [client]);

  useEffect(() => {
    if (connection !== 'open') return;
    client.call('jobs:list').then(
      (list) => {
        setRuns(list);
        setError(undefined);
      },
      (err: Error) => setError(err.message),
    );
  }, [client, connection]);

  return { runs, error };
}
