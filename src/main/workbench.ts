import { mkdir } from 'node:fs/promises';
import type { HostKind, Notice } from '../shared/model.ts';
import { EventHub } from './events.ts';
import { createDispatcher, type Dispatch, type Handlers } from './rpc.ts';
import { SettingsService } from './services/settings/settings-service.ts';
import { DocumentStore } from './services/store/document-store.ts';
import { APP_NAME, APP_VERSION } from './version.ts';

export interface WorkbenchOptions {
  dataDir: string;
  host: HostKind;
}

export interface Workbench {
  dataDir: string;
  hub: EventHub;
  dispatch: Dispatch;
  handlers: Handlers;
  close(): Promise<void>;
}

/** The composition root: every service built from a data dir, bound to the contract once. */
export async function createWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const hub = new EventHub();
  const store = new DocumentStore(options.dataDir);
  const settings = new SettingsService(store, (value) => hub.emit('settings:changed', value));
  const notices: Notice[] = [...(await settings.load())];

  const handlers: Handlers = {
    'app:info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      dataDir: options.dataDir,
      host: options.host,
      platform: process.platform,
      notices,
    }),
    'settings:get': () => settings.get(),
    'settings:set': (patch) => settings.set(patch),
  };

  return {
    dataDir: options.dataDir,
    hub,
    handlers,
    dispatch: createDispatcher(handlers),
    close: async () => {},
  };
}
