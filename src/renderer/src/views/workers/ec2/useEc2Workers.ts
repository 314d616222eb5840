import { useCallback } from 'react';
import type { Ec2List, Ec2Worker } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { useAwsList } from '../fleet/useAwsList.ts';

export interface Ec2WorkersState {
  workers: Ec2Worker[] | undefined;
  /** Why AWS could not be asked, or the list not loaded. */
  message: string | undefined;
  loading: boolean;
  reload(): Promise<void>;
}

/** An `ec2:workers` event brings the workers; what AWS said on the last load stays. */
function withWorkers(current: Ec2List | undefined, list: Ec2List): Ec2List {
  return { ...current, workers: list.workers };
}

/** EC2 workers, reconciled with AWS on load and replaced by every `ec2:workers` event. */
export function useEc2Workers(): Ec2WorkersState {
  const client = useClient();
  const load = useCallback(() => client.call('ec2:list'), [client]);
  const { value, error, loading, reload } = useAwsList({ load, topic: 'ec2:workers', apply: withWorkers });
  return { workers: value?.workers, message: error ?? value?.message, loading, reload };
}
