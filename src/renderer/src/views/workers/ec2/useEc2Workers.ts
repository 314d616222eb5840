import { useCallback, useEffect, useState } from 'react';
import type { Ec2Worker } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';

const REFRESH_MS = 30_000;

export interface Ec2WorkersState {
  workers: Ec2Worker[] | undefined;
  /** Why AWS could not be asked, or the list not loaded. */
  message: string | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

/** EC2 workers, reconciled with AWS on load and replaced by every `ec2:workers` event. */
export function useEc2Workers(): Ec2WorkersState {
  const client = useClient();
  const [workers, setWorkers] = useState<Ec2Worker[]>();
  const [message, setMessage] = useState<string>();
  const [loading, setLoading] = useState(false);

  const load = useCallback(
    () =>
      client.call('ec2:list').then(
        (list) => {
          setWorkers(list.workers);
          setMessage(list.message);
        },
        (err: Error) => setMessage(err.message),
      ),
    [client],
  );

  const reload = useCallback(async () => {
    setLoading(true);
    await load();
    setLoading(false);
  }, [load]);

  useEffect(() => {
    const off = client.subscribe('ec2:workers', (list) => setWorkers(list.workers));
    void load();
    // AWS tells no one when an instance starts or ends: ask again now and then.
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [client, load]);

  return { workers, message, loading, reload };
}
