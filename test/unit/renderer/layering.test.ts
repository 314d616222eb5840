import { describe, expect, it } from 'vitest';
import { layeringErrorsUnder } from '../../fixtures/layering-lint.ts';

// The project's own eslint.config.mjs, run on code placed where a renderer file would sit.
const layeringErrors = layeringErrorsUnder('src/renderer/src');

// The first lint loads the whole config and the TypeScript parser: seconds on a busy machine.
describe("the renderer's layering", { timeout: 60_000 }, () => {
  it("refuses a view importing another view's folder, however deep the file sits", async () => {
    const [top] = await layeringErrors('views/files/Probe.ts', "export { useWorkers } from '../workers/useWorkers.ts';\n");
    expect(top).toMatch(/A view does not import another view's folder\. Import it from components\/ .* or lib\//);
    expect(await layeringErrors('views/workers/ec2/Probe.ts', "export { RunForm } from '../../jobs/RunForm.tsx';\n")).toHaveLength(1);
    expect(await layeringErrors('views/jobs/Probe.ts', "export { VIEWS } from '../registry.tsx';\n")).toHaveLength(1);
  });

  it('lets a view import its own folder, components/, lib/, api/ and shared', async () => {
    const code = [
      "export { Ec2Workers } from './ec2/Ec2Workers.tsx';",
      "export { Banner } from '../../components/Banner.tsx';",
      "export { useWorkers } from '../../lib/useWorkers.ts';",
      "export { useClient } from '../../api/context.tsx';",
      "export type { WorkerInfo } from '../../../../shared/worker-model.ts';",
    ].join('\n');
    expect(await layeringErrors('views/workers/Probe.ts', `${code}\n`)).toEqual([]);
    expect(await layeringErrors('views/workers/ec2/Probe.ts', "export { useWorkers } from '../useWorkers.ts';\n")).toEqual([]);
  });

  it('refuses components/, lib/ and api/ importing a view', async () => {
    expect(await layeringErrors('lib/Probe.ts', "export { JobsView } from '../views/jobs/JobsView.tsx';\n")).toEqual([
      expect.stringMatching(/sit below the views and import none of them/),
    ]);
    expect(await layeringErrors('components/Probe.tsx', "export { FilesView } from '../views/files/FilesView.tsx';\n")).toHaveLength(1);
  });
});
