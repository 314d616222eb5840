import { useCallback } from 'react';
import type { ScheduleView } from '../../../../shared/schedule-calls.ts';
import { useClient } from '../../api/context.tsx';
import { useLive } from '../../lib/useLive.ts';

/** The schedules, kept current by `schedules:changed`. */
export function useSchedules(): { schedules: ScheduleView[] | undefined; error: string | undefined; reload: () => void } {
  const client = useClient();
  const load = useCallback(() => client.call('schedules:list'), [client]);
  const { value: schedules, error, reload } = useLive({ load, topic: 'schedules:changed' });
  return { schedules, error, reload };
}
