import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli-commands.ts';
import { hostileCases, TAR_END, tarEntry, writeRawTarGz, writeTarBytes } from '../../fixtures/hostile-tar.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

async function cli(args: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runCli(args, { paths, out: (line) => lines.push(...line.split('\n')) });
  return { code, lines };
}

describe('workbench pack and inspect', () => {
  it('packs a folder reproducibly, prints the SHA-256, and inspect shows the entry point', async () => {
    const root = await useTempDir('workbench-cli-pack');
    const dir = join(root, 'job');
    await mkdir(join(dir, '.git'), { recursive: true });
    await writeFile(join(dir, '.git', 'HEAD'), 'x');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\nmkdir -p output\n');
    await writeFile(join(dir, 'job.py'), 'pass\n');
    const data = ['--data-dir', join(root, 'app')];
    const first = await cli(['pack', dir, '-o', join(root, 'a.tar.gz'), ...data]);
    const second = await cli(['pack', dir, '-o', join(root, 'b.tar.gz'), ...data]);
    expect(first.code).toBe(0);
    const sha = first.lines.find((l) => l.startsWith('sha256 '));
    expect(sha).toBe(`sha256 ${execFileSync('sha256sum', [join(root, 'a.tar.gz')], { encoding: 'utf8' }).split(' ')[0]}`);
    expect(second.lines.find((l) => l.startsWith('sha256 '))).toBe(sha);

    const inspected = await cli(['inspect', join(root, 'a.tar.gz'), ...data]);
    expect(inspected.code).toBe(0);
    expect(inspected.lines).toContain('entry point (manifest): sh run.sh; output in output/');
    expect(inspected.lines.some((l) => l.endsWith('  job.py'))).toBe(true);
    expect(inspected.lines.some((l) => l.includes('.git'))).toBe(false);
  });

  it('inspect exits 1 and names each unsafe entry', async () => {
    const root = await useTempDir('workbench-cli-inspect');
    const tarball = join(root, 'bad.tar.gz');
    await writeRawTarGz(tarball, hostileCases(join(root, 'outside'))['path traversal']!);
    const { code, lines } = await cli(['inspect', tarball, '--data-dir', join(root, 'app')]);
    expect(code).toBe(1);
    expect(lines).toContain('unsafe: ../outside/evil.txt climbs out of the package (../)');
    expect(lines).toContain('entry point: none (no workbench.json, no run.sh)');
  });

  it('inspect prints entry names with control and bidi characters escaped, and odd types by name', async () => {
    const root = await useTempDir('workbench-cli-inspect-names');
    const tarball = join(root, 'names.tar.gz');
    await writeTarBytes(tarball, [
      tarEntry({ name: 'run.sh' }, 'echo hi\n'),
      tarEntry({ name: '\x1b[2J\x1b]0;owned\x07clear.txt' }, 'x'),
      tarEntry({ name: 'invoice\u202Efdp.sh' }, 'x'),
      tarEntry({ name: 'vol', typeflag: 'V' }),
      TAR_END,
    ]);
    const { code, lines } = await cli(['inspect', tarball, '--data-dir', join(root, 'app')]);
    expect(code).toBe(1);
    const text = lines.join('\n');
    for (const ch of ['\x1b', '\x07', '\u202E']) expect(text).not.toContain(ch);
    expect(lines.some((l) => l.endsWith('  \\x1b[2J\\x1b]0;owned\\x07clear.txt'))).toBe(true);
    expect(lines.some((l) => l.endsWith('  invoice\\u{202E}fdp.sh'))).toBe(true);
    expect(lines).toContain(`? ${'0'.padStart(12)}  vol  [gnu-volume-header]`);
    expect(lines).toContain('unsafe: vol is a GNU volume header (type V), which is not unpacked');
  });

  it('inspect of a missing tarball names it with control and bidi characters escaped', async () => {
    const root = await useTempDir('workbench-cli-inspect-missing');
    const failure = await cli(['inspect', join(root, 'gone\x1b[2J\u202Ez.tar.gz'), '--data-dir', join(root, 'app')]).catch((err: Error) => err.message);
    expect(failure).toBe(`${root}/gone\\x1b[2J\\u{202E}z.tar.gz does not exist or cannot be read (ENOENT).`);
  });

  it('explains a pack command without an output', async () => {
    const root = await useTempDir('workbench-cli-usage');
    await expect(cli(['pack', root, '--data-dir', join(root, 'app')])).rejects.toThrow(/pack needs one folder and -o FILE\.tar\.gz/);
  });
});
