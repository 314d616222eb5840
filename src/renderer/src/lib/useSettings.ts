import { useCallback } from 'react';
import type { Settings } from '../../../shared/model.ts';
import { useClient } from '../api/context.tsx';
import { useLive } from './useLive.ts';

/** The current settings, kept live by the `settings:changed` event. */
export function useSettings(): { settings: Settings | undefined; error: string | undefined } {
  const client = useClient();
  const load = useCallback(() => client.call('settings:get'), [client]);
  const { value: settings, error } = useLive({ load, topic: 'settings:changed' });
  return { settings, error };
}
