import { useCallback } from 'react';
import type { Run } from '../../../shared/model.ts';
import { useClient } from '../api/context.tsx';
import { useLive } from './useLive.ts';

/** A run's news: it replaces the run's old entry, and the list stays newest first. */
function withRun(current: Run[] | undefined, run: Run): Run[] {
  const next = [run, ...(current ?? []).filter((r) => r.id !== run.id)];
  return next.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** Run history, newest first, kept live by `jobs:run` events. */
export function useRuns(): { runs: Run[] | undefined; error: string | undefined } {
  const client = useClient();
  const load = useCallback(() => client.call('jobs:list'), [client]);
  const { value: runs, error } = useLive({ load, topic: 'jobs:run', apply: withRun });
  return { runs, error };
}
