import { useEffect } from 'react';
import type { EventName } from '../../../../../shared/contract.ts';
import { useLive, type Live, type LiveSource } from '../../../lib/useLive.ts';

const REFRESH_MS = 30_000;

/**
 * A list of things AWS runs (EC2 workers, Spark clusters): loaded, replaced by its event, and
 * read again every 30 s, since AWS tells no one when an instance or a cluster starts or ends.
 */
export function useAwsList<T, E extends EventName>(source: LiveSource<T, E>): Live<T> {
  const live = useLive(source);
  const { reload } = live;
  useEffect(() => {
    const timer = setInterval(() => void reload(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);
  return live;
}
