import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../../../../src/main/workbench.ts';
import { makeTempDir, type TempDir } from '../../../../fixtures/temp-dir.ts';

// The worker here is this computer; what it finds on PATH is what a worker's shell would find.
let tmp: TempDir;
let workbench: Workbench;
const PATH = process.env['PATH'];

beforeEach(async () => {
  tmp = await makeTempDir('worker-check');
  workbench = await createWorkbench({ dataDir: join(tmp.path, 'app'), host: 'web', resourcesDir: resolve('resources') });
  await mkdir(join(tmp.path, 'data'));
});
afterEach(async () => {
  process.env['PATH'] = PATH;
  await workbench.close();
  await tmp.cleanup();
});

async function startWithPath(path: string) {
  process.env['PATH'] = path;
  try {
    return await workbench.dispatch('jobs:start', { source: { kind: 'example', name: 'os-distribution' }, dataDir: join(tmp.path, 'data') });
  } finally {
    process.env['PATH'] = PATH;
  }
}

describe('a worker without what the runner needs', () => {
  it('is refused before anything is uploaded, saying to install python3', async () => {
    const empty = join(tmp.path, 'empty-bin');
    await mkdir(empty);
    const result = await startWithPath(empty);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/^This computer has no working python3, which runs the job \(.*\)\. Install Python 3 there and run again\. On Debian or Ubuntu: sudo apt-get install -y python3/);
    const runs = await workbench.dispatch('jobs:list', undefined);
    expect(runs.ok && runs.value).toEqual([]);
  });

  it('is refused when its Python is too old for the runner', async () => {
    const old = join(tmp.path, 'old-bin');
    await mkdir(old);
    await writeFile(join(old, 'python3'), '#!/bin/sh\necho "2 7"\n');
    await chmod(join(old, 'python3'), 0o755);
    const result = await startWithPath(old);
    expect(!result.ok && result.error.message).toMatch(/has Python 2\.7; the runner needs 3\.6 or newer/);
  });
});
