import { useCallback, useEffect, useState } from 'react';
import type { PendingHostKey, WorkerInfo, WorkerState } from '../../../shared/worker-model.ts';
import { useClient } from '../api/context.tsx';
import { RELOAD, useLive } from './useLive.ts';

export interface WorkersState {
  workers: WorkerInfo[] | undefined;
  error: string | undefined;
  /** Host keys the core is waiting on, by worker id (from `workers:host-key`). */
  hostKeys: Record<string, PendingHostKey>;
  reload(): Promise<void>;
  forgetHostKey(workerId: string): void;
}

/**
 * A connection's news patches its worker, so badges change the moment a connection does. A
 * worker we do not know (added in another window) means the list is read again.
 */
function withState(current: WorkerInfo[] | undefined, event: WorkerState): WorkerInfo[] | typeof RELOAD {
  if (!current?.some((w) => w.id === event.workerId)) return RELOAD;
  return current.map((w) => {
    if (w.id !== event.workerId) return w;
    const next: WorkerInfo = { ...w, state: event.state };
    if (event.message === undefined) delete next.message;
    else next.message = event.message;
    return next;
  });
}

/** The worker list, kept live by `workers:state` (and read again when EC2 workers come or go). */
export function useWorkers(): WorkersState {
  const client = useClient();
  const load = useCallback(() => client.call('workers:list'), [client]);
  const { value: workers, error, reload } = useLive({ load, topic: 'workers:state', apply: withState });
  const [hostKeys, setHostKeys] = useState<Record<string, PendingHostKey>>({});

  const forgetHostKey = useCallback((workerId: string) => {
    setHostKeys((current) => {
      if (!(workerId in current)) return current;
      const next = { ...current };
      delete next[workerId];
      return next;
    });
  }, []);

  useEffect(() => {
    // A host that connected has no key question left.
    const offConnected = client.subscribe('workers:state', (event) => event.state === 'connected' && forgetHostKey(event.workerId));
    const offKey = client.subscribe('workers:host-key', (key) => setHostKeys((current) => ({ ...current, [key.workerId]: key })));
    // EC2 workers come and go with launches, terminations and what AWS reports.
    const offEc2 = client.subscribe('ec2:workers', () => void reload());
    // So do clusters' master nodes, with the clusters.
    const offClusters = client.subscribe('clusters:changed', () => void reload());
    return () => {
      offConnected();
      offKey();
      offEc2();
      offClusters();
    };
  }, [client, reload, forgetHostKey]);

  return { workers, error, hostKeys, reload, forgetHostKey };
}

/** How a worker is reached, for lists and headers: `user@host:port`, or "This computer". */
export function describeWorker(worker: WorkerInfo): string {
  if (worker.kind === 'local') return 'This computer';
  const user = worker.user ? `${worker.user}@` : '';
  const port = worker.port ? `:${worker.port}` : '';
  return `${user}${worker.host ?? ''}${port}`;
}
