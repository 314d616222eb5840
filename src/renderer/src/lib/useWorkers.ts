import { useCallback, useEffect, useRef, useState } from 'react';
import type { PendingHostKey, WorkerInfo } from '../../../shared/worker-model.ts';
import { useClient, useConnectionState } from '../api/context.tsx';

export interface WorkersState {
  workers: WorkerInfo[] | undefined;
  error: string | undefined;
  /** Host keys the core is waiting on, by worker id (from `workers:host-key`). */
  hostKeys: Record<string, PendingHostKey>;
  reload(): Promise<void>;
  forgetHostKey(workerId: string): void;
}

/**
 * The worker list, kept live: loaded once, then patched by `workers:state` events so badges
 * change the moment a connection does. An event for a worker we do not know (added in another
 * window) reloads the list.
 */
export function useWorkers(): WorkersState {
  const client = useClient();
  const connection = useConnectionState();
  const [workers, setWorkers] = useState<WorkerInfo[]>();
  const [error, setError] = useState<string>();
  const [hostKeys, setHostKeys] = useState<Record<string, PendingHostKey>>({});

  const reload = useCallback(async () => {
    try {
      setWorkers(await client.call('workers:list'));
      setError(undefined);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [client]);

  const forgetHostKey = useCallback((workerId: string) => {
    setHostKeys((current) => {
      if (!(workerId in current)) return current;
      const next = { ...current };
      delete next[workerId];
      return next;
    });
  }, []);

  // The ids we know, read by the event handler (outside render) to spot workers added elsewhere.
  const known = useRef<Set<string>>(new Set());
  useEffect(() => {
    known.current = new Set(workers?.map((w) => w.id));
  }, [workers]);

  useEffect(() => {
    const offState = client.subscribe('workers:state', (event) => {
      if (!known.current.has(event.workerId)) {
        void reload();
        return;
      }
      // A host that connected has no key question left.
      if (event.state === 'connected') forgetHostKey(event.workerId);
      setWorkers((current) =>
        current?.map((w) => {
          if (w.id !== event.workerId) return w;
          const next: WorkerInfo = { ...w, state: event.state };
          if (event.message === undefined) delete next.message;
          else next.message = event.message;
          return next;
        }),
      );
    });
    const offKey = client.subscribe('workers:host-key', (key) => setHostKeys((current) => ({ ...current, [key.workerId]: key })));
    // EC2 workers come and go with launches, terminations and what AWS reports.
    const offEc2 = client.subscribe('ec2:workers', () => void reload());
    return () => {
      offState();
      offKey();
      offEc2();
    };
  }, [client, reload, forgetHostKey]);

  // Load when the bridge is (again) open: states may have changed while it was down.
  useEffect(() => {
    if (connection !== 'open') return;
    client.call('workers:list').then(
      (list) => {
        setWorkers(list);
        setError(undefined);
      },
      (err: Error) => setError(err.message),
    );
  }, [client, connection]);


  return { workers, error, hostKeys, reload, forgetHostKey };
}

/** How a worker is reached, for lists and headers: `user@host:port`, or "This computer". */
export function describeWorker(worker: WorkerInfo): string {
  if (worker.kind === 'local') return 'This computer';
  const user = worker.user ? `${worker.user}@` : '';
  const port = worker.port ? `:${worker.port}` : '';
  return `${user}${worker.host ?? ''}${port}`;
}
