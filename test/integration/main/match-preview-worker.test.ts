import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { listFolder } from '../../../src/main/services/jobs/data-sources.ts';
import { filterMatchers } from '../../../src/shared/filter-match.ts';
import { appDirWithSshWorker } from '../../fixtures/ssh-worker-access.ts';
import { useSshd } from '../../fixtures/server-hooks.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

process.env['WORKBENCH_USER_SSH_CONFIG'] = '/dev/null';
delete process.env['SSH_AUTH_SOCK'];

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };
const FILTER = JSON.stringify({
  version: 1,
  dimensions: [
    { field_name: 'reason', allowed_values: ['idle-daily'] },
    { field_name: 'appName', allowed_values: '*' },
    { field_name: 'appUpdateChannel', allowed_values: ['release'] },
    { field_name: 'appVersion', allowed_values: '*' },
    { field_name: 'appBuildID', allowed_values: '*' },
    { field_name: 'submission_date', allowed_values: { max: '20140702' } },
  ],
});

describe('what the filter matches in a folder on an SSH worker (real sshd)', () => {
  const sshd = useSshd();

  it('is listed there by the runner, as the same walk here finds it, leaving no scratch files behind', async () => {
    const root = await useTempDir('match-preview-worker');
    const workDir = join(sshd.dir, 'wb-match');
    const { appDir, worker } = await appDirWithSshWorker(root, sshd, { workDir });
    const data = join(sshd.dir, 'match-data');
    execFileSync('python3', [resolve('resources/examples/generate_sample_data.py'), '--out', data, '--size-mb', '1', '--seed', '3'], { stdio: 'pipe' });
    const lines: string[] = [];
    const code = await runCli(['call', 'jobs:match-preview', JSON.stringify({ source: { kind: 'folder', path: data }, filter: FILTER, worker: worker.id, first: 3 }), '--data-dir', appDir], { paths, out: (line) => lines.push(line) });
    expect(code).toBe(0);
    const preview = JSON.parse(lines.join('\n')) as { files: number; bytes: number; first: string[]; cores: number; estimateSeconds: number; cost?: unknown };
    const here = await listFolder(data, filterMatchers(FILTER));
    expect(preview.files).toBe(here.files.length);
    expect(preview.files).toBeGreaterThan(0);
    expect(preview.bytes).toBe(here.files.reduce((s, f) => s + f.size, 0));
    expect(preview.first).toEqual(here.files.slice(0, 3).map((f) => f.key));
    expect(preview.cores).toBeGreaterThan(0);
    expect(preview.cost).toBeUndefined();
    expect(await readdir(join(workDir, 'tmp'))).toEqual([]);

    await expect(runCli(['call', 'jobs:match-preview', JSON.stringify({ source: { kind: 'folder', path: join(sshd.dir, 'nowhere') }, filter: FILTER, worker: worker.id }), '--data-dir', appDir], { paths, out: () => undefined })).rejects.toThrow(
      `box could not list ${join(sshd.dir, 'nowhere')}: --data-dir ${join(sshd.dir, 'nowhere')}: no such directory`,
    );
  }, 120_000);
});
