import { describe, expect, it } from 'vitest';
import { layeringErrorsUnder } from '../../fixtures/layering-lint.ts';

// The project's own eslint.config.mjs, run on code placed where a core file would sit.
const layeringErrors = layeringErrorsUnder('src/main');

describe("the core's layering", () => {
  it('refuses a service importing Electron, a domain, the workbench, the shell or the EventHub', async () => {
    expect(await layeringErrors('services/jobs/Probe.ts', "export { safeStorage } from 'electron';\n")).toEqual([expect.stringMatching(/Services import nothing from Electron/)]);
    expect(await layeringErrors('services/jobs/Probe.ts', "export { createJobsDomain } from '../../domains/jobs.ts';\n")).toEqual([expect.stringMatching(/emit on the EventBus/)]);
    expect(await layeringErrors('services/ssh/transfers/Probe.ts', "export type { Workbench } from '../../../workbench.ts';\n")).toHaveLength(1);
    expect(await layeringErrors('services/jobs/Probe.ts', "export { showExpiryNotifications } from '../../shell/expiry-notifications.ts';\n")).toHaveLength(1);
    expect(await layeringErrors('services/jobs/Probe.ts', "export { EventHub } from '../../events.ts';\n")).toHaveLength(1);
  });

  it('lets a service import other services, the EventBus and src/shared', async () => {
    const code = [
      "export type { EventBus } from '../../bus.ts';",
      "export { RunStore } from './run-store.ts';",
      "export type { Transport } from '../workers/transport.ts';",
      "export { WorkbenchError } from '../../../shared/errors.ts';",
    ].join('\n');
    expect(await layeringErrors('services/jobs/Probe.ts', `${code}\n`)).toEqual([]);
  });

  it('refuses a domain importing Electron, the workbench or the EventHub, and lets it use earlier domains and services', async () => {
    expect(await layeringErrors('domains/Probe.ts', "export { Notification } from 'electron';\n")).toEqual([expect.stringMatching(/Domains import nothing from Electron/)]);
    expect(await layeringErrors('domains/Probe.ts', "export { createWorkbench } from '../workbench.ts';\n")).toEqual([expect.stringMatching(/never on the workbench/)]);
    expect(await layeringErrors('domains/Probe.ts', "export { EventHub } from '../events.ts';\n")).toHaveLength(1);
    expect(await layeringErrors('domains/Probe.ts', "export type { AwsDomain } from './aws.ts';\nexport { JobService } from '../services/jobs/job-service.ts';\n")).toEqual([]);
  });
});
