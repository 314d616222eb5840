import { WorkbenchError } from '../../../../shared/errors.ts';
import type { TransferItem } from '../../../../shared/transfer-model.ts';
import { resolveDestination, type RenameMemory, type ResolveConflict } from './conflict.ts';
import { downloadFile, uploadFile, type FileTransferOptions } from './file-transfer.ts';
import { checkPlainName } from './plain-name.ts';
import { localSide, remoteSide, type EntryKind, type Side } from './sides.ts';
import type { SftpSession } from './sftp.ts';

/**
 * One queue item from start to end: a file, or a folder walked into its files. Regular files and
 * folders are copied; symlinks and special files are reported in `unsupported`, never followed
 * (a link could lead outside the folder the user chose, or loop).
 */

export type Direction = TransferItem['direction'];

/** What to copy: the transfer's direction and its two full paths (not their folders). */
export type TransferRequest = Pick<TransferItem, 'direction' | 'localPath' | 'remotePath'>;

export interface RunHooks extends Pick<FileTransferOptions, 'signal' | 'verify' | 'requests'> {
  resolveConflict: ResolveConflict;
  /** Numbered names earlier attempts chose ("rename"), to continue those copies. */
  renames?: RenameMemory;
  /** Once the source is walked: how much there is to do. */
  onPlan?: (plan: { kind: 'file' | 'folder'; files: number; bytes: number }) => void;
  onFile?: (source: string) => void;
  /** Bytes that crossed the connection. */
  onBytes?: (bytes: number) => void;
  /** Bytes counted done without crossing: a resumed prefix, a skipped file. */
  onReused?: (bytes: number) => void;
  /** A file is in place and verified: `requested` is where it was meant to go, `written` where it went (differs after a rename). */
  onWritten?: (requested: string, written: string) => void;
}

export interface Unsupported {
  path: string;
  kind: EntryKind;
}

export interface RunResult {
  kind: 'file' | 'folder';
  /** Files written (after conflicts resolved), as destination paths. */
  written: string[];
  /** Sources left alone because the policy said skip. */
  skipped: string[];
  unsupported: Unsupported[];
}

interface PlannedFile {
  source: string;
  /** Path segments below the root. */
  rel: string[];
  size: number;
}

async function walk(side: Side, root: string): Promise<{ folders: string[][]; files: PlannedFile[]; unsupported: Unsupported[] }> {
  const folders: string[][] = [];
  const files: PlannedFile[] = [];
  const unsupported: Unsupported[] = [];
  const visit = async (dir: string, rel: string[]): Promise<void> => {
    const entries = (await side.list(dir)).sort((a, b) => (a.name < b.name ? -1 : 1));
    // The whole tree is walked before anything is written: a bad name anywhere copies nothing.
    for (const { name } of entries) checkPlainName(name, dir, side.where);
    for (const { name, entry } of entries) {
      const path = side.join(dir, name);
      if (entry.kind === 'folder') {
        folders.push([...rel, name]);
        await visit(path, [...rel, name]);
      } else if (entry.kind === 'file') {
        files.push({ source: path, rel: [...rel, name], size: entry.size });
      } else {
        unsupported.push({ path, kind: entry.kind });
      }
    }
  };
  await visit(root, []);
  return { folders, files, unsupported };
}

/**
 * Files smaller than this are copied several at a time (SMALL_FILES_AT_ONCE): their cost is round
 * trips (open, write, close, verify, rename), not bytes. Larger ones go one at a time, each with
 * the connection to itself.
 */
const SMALL_FILE = 1024 * 1024;
const SMALL_FILES_AT_ONCE = 8;

/**
 * Runs `copy` for every file in order, small ones overlapping. The first failure stops new
 * copies; the ones under way finish (or fail) before it is thrown, so nothing runs on after.
 */
async function copyEach(files: PlannedFile[], copy: (file: PlannedFile) => Promise<void>): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const start = (file: PlannedFile): void => {
    const copying: Promise<void> = copy(file)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(copying));
    running.add(copying);
  };
  for (const file of files) {
    if (failure !== undefined) break;
    if (file.size >= SMALL_FILE) {
      await Promise.all(running);
      if (failure !== undefined) break;
      start(file);
      await Promise.all(running);
      continue;
    }
    while (running.size >= SMALL_FILES_AT_ONCE) await Promise.race(running);
    if (failure === undefined) start(file);
  }
  await Promise.all(running);
  if (failure !== undefined) throw failure.error;
}

/** Asks one conflict question at a time, in the order the copies reach them. */
function oneQuestionAtATime(resolve: ResolveConflict): ResolveConflict {
  let previous: Promise<unknown> = Promise.resolve();
  return (conflict) => {
    const answer = previous.then(() => resolve(conflict));
    previous = answer.catch(() => undefined);
    return answer;
  };
}

export async function runTransfer(session: SftpSession, request: TransferRequest, hooks: RunHooks): Promise<RunResult> {
  const remote = remoteSide(session);
  const [from, to, source, dest] =
    request.direction === 'upload' ? [localSide, remote, request.localPath, request.remotePath] : [remote, localSide, request.remotePath, request.localPath];
  const root = await from.entry(source);
  if (root === undefined) {
    throw new WorkbenchError('NOT_FOUND', `${source} does not exist on ${from.where}. Check the path.`);
  }
  if (root.kind !== 'file' && root.kind !== 'folder') {
    throw new WorkbenchError('BAD_INPUT', `${source} on ${from.where} is a ${root.kind}; only regular files and folders are transferred.`);
  }
  const result: RunResult = { kind: root.kind, written: [], skipped: [], unsupported: [] };
  const resolveConflict = oneQuestionAtATime(hooks.resolveConflict);
  // Destination written -> its source, to list what was written in the folder's order.
  const sourceOf = new Map<string, string>();

  const copy = async (file: PlannedFile, destDir: string): Promise<void> => {
    hooks.signal?.throwIfAborted();
    hooks.onFile?.(file.source);
    const name = file.rel.at(-1) ?? to.basename(dest);
    const target = await resolveDestination(to, destDir, name, file.size, resolveConflict, hooks.renames);
    if (target === undefined) {
      result.skipped.push(file.source);
      hooks.onReused?.(file.size);
      return;
    }
    const options: FileTransferOptions = {
      signal: hooks.signal,
      verify: hooks.verify,
      requests: hooks.requests,
      onStart: ({ resumedFrom }) => hooks.onReused?.(resumedFrom),
      onBytes: hooks.onBytes,
    };
    if (request.direction === 'upload') await uploadFile(session, file.source, target, options);
    else await downloadFile(session, file.source, target, options);
    result.written.push(target);
    sourceOf.set(target, file.source);
    hooks.onWritten?.(to.join(destDir, name), target);
  };

  if (root.kind === 'file') {
    hooks.onPlan?.({ kind: 'file', files: 1, bytes: root.size });
    await copy({ source, rel: [], size: root.size }, to.dirname(dest));
    return result;
  }

  const plan = await walk(from, source);
  result.unsupported = plan.unsupported;
  hooks.onPlan?.({ kind: 'folder', files: plan.files.length, bytes: plan.files.reduce((sum, f) => sum + f.size, 0) });
  const existing = await to.entry(dest);
  if (existing !== undefined && existing.kind !== 'folder') {
    throw new WorkbenchError('BAD_INPUT', `${dest} on ${to.where} is a ${existing.kind}, not a folder; move it away or pick another destination.`);
  }
  // A folder onto an existing folder merges; conflicts are decided file by file.
  await to.ensureFolder(dest);
  for (const rel of plan.folders) await to.ensureFolder(rel.reduce((dir, name) => to.join(dir, name), dest));
  await copyEach(plan.files, (file) => copy(file, file.rel.slice(0, -1).reduce((dir, name) => to.join(dir, name), dest)));
  // In the folder's order, whichever copy finished first.
  const order = new Map(plan.files.map((file, index) => [file.source, index]));
  result.skipped.sort((a, b) => order.get(a)! - order.get(b)!);
  result.written.sort((a, b) => order.get(sourceOf.get(a)!)! - order.get(sourceOf.get(b)!)!);
  return result;
}
