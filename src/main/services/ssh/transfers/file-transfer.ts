import { lstat, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { WorkbenchError } from '../../../../shared/errors.ts';
import { localError } from './local-errors.ts';
import { pumpDownload, pumpUpload } from './pipeline.ts';
import { localSha256 } from './local-sha256.ts';
import { workerSha256, type WorkerHash } from './remote-hash.ts';
import type { SftpSession } from './sftp.ts';

/**
 * One file, either way, resumable and verified. Bytes go to `<dest>.wbpart` beside the
 * destination; an interrupted transfer leaves that part file, and the next attempt continues
 * from its size. Before the part is renamed into place, the SHA-256 of the file here must equal
 * the SHA-256 of the file computed on the worker (see workerSha256: alongside a download, and
 * for a large upload by a hasher that follows the part file as it grows); otherwise the part is
 * deleted and the transfer fails with CORRUPT_DATA. Here, the file is hashed on another thread
 * while it moves (local-sha256.ts): an upload's source whole, a download's part file as it is
 * written (its existing prefix included).
 */

export const PART_SUFFIX = '.wbpart';

/**
 * 32 requests of 255 KiB keep ~8 MiB in flight, several times ssh2's fixed 2 MiB channel window,
 * so the server always has the next request queued. Fewer leave the server waiting for requests
 * (downloads the most); more only hold more memory.
 */
export const DEFAULT_REQUESTS = 32;

export interface FileTransferOptions {
  /** Compare SHA-256 on both ends before renaming into place; default true. */
  verify?: boolean;
  requests?: number;
  /** Bytes per SFTP request; default the server's limit (OpenSSH: 255 KiB). */
  chunkSize?: number;
  signal?: AbortSignal;
  /** Called once the sizes are known: the part's bytes are reused, the rest will move. */
  onStart?: (info: { size: number; resumedFrom: number }) => void;
  /** Bytes that crossed the connection, as they land. */
  onBytes?: (bytes: number) => void;
}

export interface FileTransferResult {
  size: number;
  /** Bytes of an earlier part file that were kept. */
  resumedFrom: number;
  /** Hex SHA-256 of the file; undefined when `verify` was false. */
  sha256?: string;
}

/**
 * The SHA-256 of the file here, once the worker's digest of its copy agrees (undefined when not
 * verifying). On a mismatch the part is deleted and the transfer fails with CORRUPT_DATA.
 */
async function agreedSha256(theirs: WorkerHash | undefined, ours: Promise<string> | undefined, dest: string, deletePart: () => Promise<unknown>): Promise<string | undefined> {
  if (theirs === undefined || ours === undefined) return undefined;
  const [local, remote] = await Promise.all([ours, theirs.digest()]);
  if (remote === local) return local;
  await deletePart();
  throw new WorkbenchError(
    'CORRUPT_DATA',
    `Verification failed for ${dest}: SHA-256 here is ${local}, on the worker ${remote}. The partial copy was deleted; ` +
      'retry to transfer the file again from the start (if it fails again, the source is changing while it is copied).',
  );
}

async function openLocal(path: string, flags: 'r' | 'r+' | 'wx', action: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (err) {
    throw localError(err, action, path);
  }
}

export async function uploadFile(session: SftpSession, localPath: string, remotePath: string, options: FileTransferOptions = {}): Promise<FileTransferResult> {
  const verify = options.verify ?? true;
  const part = remotePath + PART_SUFFIX;
  const local = await openLocal(localPath, 'r', 'read');
  try {
    const size = (await local.stat()).size;
    const existing = await session.lstatOrNull(part);
    // A part longer than the source cannot be a prefix of it: start over.
    const resumedFrom = existing?.isFile() && existing.size <= size ? existing.size : 0;
    // Starting over: whatever is at the part's name (a link planted to a file of ours) is
    // removed, and the part is created new (exclusive), so nothing is written through a link.
    if (resumedFrom === 0 && existing !== undefined) await session.unlink(part);
    const handle = await session.open(part, resumedFrom > 0 ? 'r+' : 'wx');
    // Started once the part is opened (and truncated when starting over), so a follower reads
    // only bytes of this attempt.
    const theirs = verify ? workerSha256(session.client, part, size, { complete: false }) : undefined;
    // The whole source, the part already on the worker included, hashed beside the upload.
    const ours = verify ? localSha256(localPath, size) : undefined;
    try {
      options.onStart?.({ size, resumedFrom });
      await pumpUpload(session, handle, part, local, { path: localPath, size }, resumedFrom, {
        requests: options.requests ?? DEFAULT_REQUESTS,
        chunkSize: options.chunkSize ?? session.chunkSize.write,
        signal: options.signal,
        onBytes: options.onBytes,
      });
    } catch (err) {
      theirs?.stop();
      ours?.stop();
      throw err;
    } finally {
      await session.closeHandle(handle, part).catch(() => undefined);
    }
    const sha256 = await agreedSha256(theirs, ours?.digest, remotePath, () => session.unlink(part).catch(() => undefined));
    options.signal?.throwIfAborted();
    await session.rename(part, remotePath);
    return { size, resumedFrom, sha256 };
  } finally {
    await local.close();
  }
}

export async function downloadFile(session: SftpSession, remotePath: string, localPath: string, options: FileTransferOptions = {}): Promise<FileTransferResult> {
  const verify = options.verify ?? true;
  const part = localPath + PART_SUFFIX;
  const handle = await session.open(remotePath, 'r');
  try {
    const size = (await session.fstat(handle, remotePath)).size;
    const existing = await lstat(part).catch(() => undefined);
    const resumedFrom = existing?.isFile() && existing.size <= size ? existing.size : 0;
    // As for uploads: a fresh part replaces whatever is at its name, never writing through a link.
    if (resumedFrom === 0 && existing !== undefined) await rm(part, { force: true });
    const local = await openLocal(part, resumedFrom > 0 ? 'r+' : 'wx', 'write');
    // The worker hashes its copy while we download: on separate CPUs the check costs no time.
    const theirs = verify ? workerSha256(session.client, remotePath, size, { complete: true }) : undefined;
    // Ours follows the part as it is written, from byte 0 (a resumed part's prefix included).
    const ours = verify ? localSha256(part, size, { complete: resumedFrom }) : undefined;
    let written = resumedFrom;
    try {
      options.onStart?.({ size, resumedFrom });
      await pumpDownload(session, handle, { path: remotePath, size }, local, localPath, resumedFrom, {
        requests: options.requests ?? DEFAULT_REQUESTS,
        chunkSize: options.chunkSize ?? session.chunkSize.read,
        signal: options.signal,
        // Blocks are written in file order, so the part is complete up to all bytes written.
        onBytes: (bytes) => {
          written += bytes;
          ours?.advance(written);
          options.onBytes?.(bytes);
        },
      });
    } catch (err) {
      theirs?.stop();
      ours?.stop();
      throw err;
    } finally {
      await local.close();
    }
    const sha256 = await agreedSha256(theirs, ours?.digest, localPath, () => rm(part, { force: true }));
    options.signal?.throwIfAborted();
    try {
      await rename(part, localPath);
    } catch (err) {
      throw localError(err, 'move into place', localPath);
    }
    return { size, resumedFrom, sha256 };
  } finally {
    await session.closeHandle(handle, remotePath).catch(() => undefined);
  }
}
