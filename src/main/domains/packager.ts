import { join } from 'node:path';
import { PackagerService } from '../services/packager/packager-service.ts';
import type { Core, Domain } from './domain.ts';

export interface PackagerDomain extends Domain<'packager:scan' | 'packager:generate-wrapper' | 'packager:build' | 'packager:cancel' | 'packager:inspect'> {
  packager: PackagerService;
}

/** Job folders packed into reproducible tarballs, and tarballs inspected. A test run is the jobs domain's. */
export function createPackagerDomain(core: Pick<Core, 'bus' | 'resourcesDir'>): PackagerDomain {
  const packager = new PackagerService({ bus: core.bus, runnerDir: join(core.resourcesDir, 'worker', 'mapreduce') });
  return {
    packager,
    handlers: {
      'packager:scan': (request) => packager.scan(request),
      'packager:generate-wrapper': (spec) => packager.generateWrapper(spec),
      'packager:build': (request) => packager.build(request),
      'packager:cancel': ({ buildId }) => packager.cancel(buildId),
      'packager:inspect': ({ path }) => packager.inspect(path),
    },
  };
}
