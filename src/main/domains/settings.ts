import { SettingsService } from '../services/settings/settings-service.ts';
import type { Core, Domain } from './domain.ts';

export interface SettingsDomain extends Domain<'settings:get' | 'settings:set'> {
  settings: SettingsService;
}

/** The user's settings document; every change goes out as `settings:changed`. */
export function createSettingsDomain(core: Pick<Core, 'store' | 'bus'>): SettingsDomain {
  const settings = new SettingsService(core.store, (value) => core.bus.emit('settings:changed', value));
  return {
    settings,
    handlers: {
      'settings:get': () => settings.get(),
      'settings:set': (patch) => settings.set(patch),
    },
  };
}
