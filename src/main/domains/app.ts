import { APP_NAME, APP_VERSION } from '../version.ts';
import type { Core, Domain } from './domain.ts';

export type AppDomain = Domain<'app:info' | 'app:dismiss-notice'>;

/** What the app is and what it has to tell: version, data dir, host, start-up notices. */
export function createAppDomain(core: Pick<Core, 'dataDir' | 'host' | 'store' | 'notices'>): AppDomain {
  return {
    handlers: {
      // This start's notices, then the kept ones (a damaged file set aside, now or at an earlier start).
      'app:info': async () => ({
        name: APP_NAME,
        version: APP_VERSION,
        dataDir: core.dataDir,
        host: core.host,
        platform: process.platform,
        notices: [...core.notices, ...(await core.store.notices.list())],
      }),
      'app:dismiss-notice': async ({ id }) => (await core.store.notices.dismiss(id), null),
    },
  };
}
