import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SshTransport } from '../../../../../src/main/services/ssh/ssh-transport.ts';
import { isPlainName } from '../../../../../src/main/services/ssh/transfers/plain-name.ts';
import { SftpSession, runTransfer } from '../../../../../src/main/services/ssh/transfers/index.ts';
import { startHostileSftp, type HostileSftp } from '../../../../fixtures/hostile-sftp.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

/**
 * A folder download from a worker whose listing holds names OpenSSH never sends ("../x", "a/b"):
 * nothing may be written outside the folder the user chose, and nothing at all is copied.
 */

let server: HostileSftp | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

describe('a folder download with hostile names in the listing', () => {
  for (const bad of ['../escape.txt', 'sub/../../escape.txt']) {
    it(`refuses "${bad}" and writes nothing, inside or outside the chosen folder`, async () => {
      const local = await useTempDir('hostile-listing');
      server = await startHostileSftp({
        folders: { '/out': ['ok.txt', bad] },
        files: { '/out/ok.txt': 'fine\n', '/escape.txt': 'written outside the chosen folder\n' },
      });
      const session = await SftpSession.open(await server.connect());
      const chosen = join(local, 'out');
      await expect(
        runTransfer(session, { direction: 'download', localPath: chosen, remotePath: '/out' }, { verify: false, resolveConflict: async () => 'overwrite' }),
      ).rejects.toThrow(`The listing of /out on the worker holds an entry named "${bad}", which is not a plain file name`);
      expect(await readdir(local)).toEqual([]);
      await expect(readFile(join(local, 'escape.txt'))).rejects.toThrow(/ENOENT/);
    });
  }

  it('a scheduled run\'s published folder fetched from the worker (downloadDir) refuses them too', async () => {
    const local = await useTempDir('hostile-listing');
    server = await startHostileSftp({
      folders: { '/published/data': ['../escape.txt'] },
      files: { '/published/escape.txt': 'written outside the chosen folder\n' },
    });
    const c = await server.connect();
    const transport = new SshTransport(async () => c, '/');
    await expect(transport.downloadDir('/published/data', join(local, 'data'))).rejects.toThrow('holds an entry named "../escape.txt", which is not a plain file name');
    await expect(readFile(join(local, 'escape.txt'))).rejects.toThrow(/ENOENT/);
  });

  it('a name with "\\" is plain on Linux, and a way out on Windows', () => {
    expect(isPlainName('..\\..\\x', '/')).toBe(true);
    expect(isPlainName('..\\..\\x', '\\')).toBe(false);
    for (const bad of ['', '.', '..', 'a/b', 'nul\0']) expect(isPlainName(bad, '/'), bad).toBe(false);
    expect(isPlainName('line\nbreak and "quotes"', '/')).toBe(true);
  });
});
