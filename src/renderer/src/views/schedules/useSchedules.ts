import { useCallback, useEffect, useState } from 'react';
import type { ScheduleView } from '../../../../shared/schedule-calls.ts';
import { useClient } from '../../api/context.tsx';

/** The schedules, kept current by `schedules:changed`. */
export function useSchedules(): { schedules: ScheduleView[] | undefined; error: string | undefined; reload: () => void } {
  const client = useClient();
  const [schedules, setSchedules] = useState<ScheduleView[]>();
  const [error, setError] = useState<string>();
  const reload = useCallback(() => {
    client.call('schedules:list').then(
      (list) => {
        setSchedules(list);
        setError(undefined);
      },
      (err: Error) => setError(err.message),
    );
  }, [client]);
  useEffect(() => {
    reload();
    return client.subscribe('schedules:changed', (list) => setSchedules(list));
  }, [client, reload]);
  return { schedules, error, reload };
}
