import { WorkbenchError } from '../../../shared/errors.ts';
import { DEFAULT_SETTINGS, Settings, type SettingsPatch } from '../../../shared/model.ts';
import type { DocumentSpec, DocumentStore } from '../store/document-store.ts';

export const SETTINGS_DOCUMENT: DocumentSpec<Settings> = {
  name: 'settings',
  version: 1,
  schema: Settings,
  defaults: () => structuredClone(DEFAULT_SETTINGS),
  holds: 'your settings (the defaults are used)',
};

/**
 * The user's preferences, persisted in the data dir; changes are announced to subscribers.
 * The workbench owns the file, so after the first read the settings are served from memory.
 */
export class SettingsService {
  private cached: Settings | undefined;

  constructor(
    private readonly store: DocumentStore,
    private readonly onChange: (settings: Settings) => void,
  ) {}

  async get(): Promise<Settings> {
    if (this.cached) return this.cached;
    try {
      this.cached = await this.store.read(SETTINGS_DOCUMENT);
      return this.cached;
    } catch (err) {
      // A newer file stays untouched on disk; this version works on with its defaults.
      if (err instanceof WorkbenchError && err.code === 'NEWER_DATA') return SETTINGS_DOCUMENT.defaults();
      throw err;
    }
  }

  async set(patch: SettingsPatch): Promise<Settings> {
    const next = await this.store.update(SETTINGS_DOCUMENT, (current) => ({ ...current, ...patch }));
    this.cached = next;
    this.onChange(next);
    return next;
  }
}
