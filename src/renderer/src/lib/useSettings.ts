import { useEffect, useState } from 'react';
import type { Settings } from '../../../shared/model.ts';
import { useClient } from '../api/context.tsx';

/** The current settings, kept live by the `settings:changed` event. */
export function useSettings(): { settings: Settings | undefined; error: string | undefined } {
  const client = useClient();
  const [settings, setSettings] = useState<Settings>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const unsubscribe = client.subscribe('settings:changed', (next) => setSettings(next));
    client.call('settings:get').then(setSettings, (err: Error) => setError(err.message));
    return unsubscribe;
  }, [client]);
  return { settings, error };
}
