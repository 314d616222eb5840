import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listOutputFiles, outputPath } from '../../../../../src/main/services/jobs/run-outputs.ts';
import { LocalTransport } from '../../../../../src/main/services/workers/local.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/** A run folder with code/, and a secret beside it that no run may reach (think ~/.aws). */
async function layout() {
  const root = await useTempDir('run-outputs');
  const runDir = join(root, 'runs', 'r1');
  const secrets = join(root, 'aws');
  await mkdir(join(runDir, 'code'), { recursive: true });
  await mkdir(secrets);
  await writeFile(join(secrets, 'credentials'), '[default]\naws_secret_access_key = hunter2\n');
  return { transport: new LocalTransport(root), runDir, secrets };
}

describe('listOutputFiles (python3 on the worker, here this computer)', () => {
  it('lists the regular files of a real output folder, links left out', async () => {
    const { transport, runDir, secrets } = await layout();
    const out = join(runDir, 'output');
    await mkdir(join(out, 'sub'), { recursive: true });
    await writeFile(join(out, 'a.csv'), 'x,1\n');
    await writeFile(join(out, 'sub', 'b.txt'), 'hello');
    await symlink(join(secrets, 'credentials'), join(out, 'creds'));
    await symlink(secrets, join(out, 'aws'));
    expect(await listOutputFiles(transport, out, runDir)).toEqual([
      { name: 'a.csv', bytes: 4 },
      { name: 'sub/b.txt', bytes: 5 },
    ]);
  });

  it('refuses an output folder that is a link out of the run, naming where it leads', async () => {
    const { transport, runDir, secrets } = await layout();
    await symlink(secrets, join(runDir, 'output'));
    await expect(listOutputFiles(transport, join(runDir, 'output'), runDir)).rejects.toThrow(/leads outside the run \(to .*aws\) through a link/);
  });

  it('refuses an output folder reached through a linked folder on its way (code/results -> outside)', async () => {
    const { transport, runDir, secrets } = await layout();
    await symlink(join(secrets, '..'), join(runDir, 'code', 'results'));
    await expect(listOutputFiles(transport, join(runDir, 'code', 'results', 'aws'), runDir)).rejects.toThrow(/leads outside the run/);
  });

  it('says undefined for a folder that is not there', async () => {
    const { transport, runDir } = await layout();
    expect(await listOutputFiles(transport, join(runDir, 'output'), runDir)).toBeUndefined();
  });
});

describe('outputPath', () => {
  it('keeps names inside the folder and refuses climbing out', () => {
    expect(outputPath('/w/out', 'a/b.txt')).toBe('/w/out/a/b.txt');
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '..']) expect(() => outputPath('/w/out', bad)).toThrow(/not a file of the run's output/);
  });
});
