import { execFile } from 'node:child_process';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative } from 'node:path';
import { makeOwnFolder } from '../../data-dir.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { copyTree } from './copy-tree.ts';
import type { ExecResult, FileSlice, Transport, UploadOptions } from './transport.ts';

/**
 * "This computer" as a worker: child processes and the local file system. Its root is a folder
 * of the data dir (runs, the runtime): folders there are made only as real folders, so a link
 * planted inside it is refused by name instead of followed.
 */
export class LocalTransport implements Transport {
  constructor(readonly root: string) {}

  /** Makes a folder and those missing on the way; `mode` is for folders outside the root. */
  private async folder(path: string, mode?: number): Promise<void> {
    const inside = relative(this.root, path);
    if (!isAbsolute(inside) && inside.split(/[\\/]/)[0] !== '..') await makeOwnFolder(dirname(this.root), path);
    else await mkdir(path, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  }

  exec(argv: string[], options: { cwd?: string; timeoutMs?: number; env?: Record<string, string | undefined> } = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    if (!file) return Promise.reject(new Error('exec needs a command'));
    let env: NodeJS.ProcessEnv | undefined;
    if (options.env) {
      env = { ...process.env };
      for (const [name, value] of Object.entries(options.env)) {
        if (value === undefined) delete env[name];
        else env[name] = value;
      }
    }
    return new Promise((resolve, reject) => {
      execFile(file, args, { cwd: options.cwd, ...(env && { env }), timeout: options.timeoutMs ?? 0, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(err);
        resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
      });
    });
  }

  async readFrom(path: string, offset: number, limit: number): Promise<FileSlice | undefined> {
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      const length = Math.max(0, Math.min(limit, size - offset));
      const data = Buffer.alloc(length);
      const { bytesRead } = length > 0 ? await handle.read(data, 0, length, offset) : { bytesRead: 0 };
      return { data: data.subarray(0, bytesRead), size };
    } finally {
      await handle.close();
    }
  }

  async exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  async mkdir(path: string): Promise<void> {
    await this.folder(path, 0o700);
  }

  async writeFile(path: string, data: string | Uint8Array): Promise<void> {
    await this.folder(dirname(path));
    await writeFileAtomic(path, data, 0o644);
  }

  async uploadDir(localDir: string, remoteDir: string, options: UploadOptions = {}): Promise<void> {
    await this.folder(remoteDir);
    for (const file of await copyTree(localDir, remoteDir, options.ignore)) options.onFile?.(file.path, file.bytes);
  }

  async downloadDir(remoteDir: string, localDir: string): Promise<{ path: string; bytes: number }[]> {
    return copyTree(remoteDir, localDir);
  }
}
