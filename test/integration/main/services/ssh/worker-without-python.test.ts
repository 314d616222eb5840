import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SftpSession, downloadFile } from '../../../../../src/main/services/ssh/transfers/index.ts';
import { startHostileSftp, type HostileSftp } from '../../../../fixtures/hostile-sftp.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/**
 * A worker without Python 3: transfers are verified with coreutils' sha256sum instead of the
 * hashing service. The real sshd here cannot lack python3, so a scripted SSH server plays that
 * worker: it serves the files, answers `python3` as a POSIX shell does when the program is
 * missing (exit 127), and runs the real sha256sum on a file's bytes.
 */

let server: HostileSftp | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The words of a command line made of single-quoted words (what shellCommand builds). */
function words(command: string): string[] {
  return [...command.matchAll(/'((?:[^']|'\\'')*)'/g)].map((match) => match[1]!.replaceAll(`'\\''`, "'"));
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('verification on a worker without python3', () => {
  it('falls back to sha256sum, and stops asking for python3 on that connection', async () => {
    const files = { '/data/a.csv': 'id,count\n1,2\n', "/data/it's b.csv": 'x'.repeat(100_000) };
    const commands: string[][] = [];
    server = await startHostileSftp({
      folders: { '/data': Object.keys(files).map((path) => path.slice('/data/'.length)) },
      files,
      exec: (command) => {
        const argv = words(command);
        commands.push(argv);
        if (argv[0] === 'sha256sum' && argv[1] === '--') {
          const content = files[argv[2] as keyof typeof files];
          if (content === undefined) return { code: 1, stderr: `sha256sum: ${argv[2]}: No such file or directory\n` };
          return { code: 0, stdout: execFileSync('sha256sum', { input: content, encoding: 'utf8' }) };
        }
        return { code: 127, stderr: 'sh: 1: exec: python3: not found\n' };
      },
    });
    const session = await SftpSession.open(await server.connect());
    const local = await useTempDir('no-python');

    for (const [path, content] of Object.entries(files)) {
      const target = join(local, path.slice('/data/'.length));
      const result = await downloadFile(session, path, target);
      expect(result.sha256).toBe(sha256(content));
      expect(await readFile(target, 'utf8')).toBe(content);
    }
    // One try at the hashing service (the system python3 first, then PATH's), then sha256sum per file.
    expect(commands.map((argv) => (argv[0] === 'sha256sum' ? `sha256sum ${argv[2]}` : 'service'))).toEqual(['service', 'sha256sum /data/a.csv', "sha256sum /data/it's b.csv"]);
  });
});
