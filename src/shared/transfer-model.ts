import { z } from 'zod';
import { WireError } from './errors.ts';
import { RemotePath, WorkerId } from './worker-model.ts';

/**
 * Uploads and downloads between this computer and a worker, as the UI, the CLI and other
 * services see them: the transfer queue's items and totals, and the local file picker that
 * stands in for a native dialog where there is none (the browser workbench).
 */

/** What to do when a destination file exists (see the engine's conflict.ts); 'ask' waits for the user. */
export const ConflictPolicy = z.enum(['overwrite', 'skip', 'rename', 'resume']);
export type ConflictPolicy = z.infer<typeof ConflictPolicy>;
export const ConflictChoice = z.union([ConflictPolicy, z.literal('ask')]);
export type ConflictChoice = z.infer<typeof ConflictChoice>;

/** POSIX `/...`, Windows `C:\...` or `\\server\share`: this computer's paths are always absolute here. */
const ABSOLUTE = /^(\/|[A-Za-z]:[\\/]|\\\\)/;

export const LocalPath = z
  .string()
  .min(1, 'a path')
  .max(4096)
  .refine((p) => !p.includes('\0'), 'a path without NUL characters')
  .refine((p) => ABSOLUTE.test(p), 'an absolute path (starting with "/", or a drive like C:\\ on Windows)');

export const TransferId = z.string().regex(/^tr-[a-z0-9]{10}$/, 'a transfer id');

export const TransferState = z.enum(['queued', 'running', 'waiting', 'done', 'failed', 'cancelled', 'interrupted']);
export type TransferState = z.infer<typeof TransferState>;

const Paths = <T extends z.ZodType>(path: T) => z.array(path).min(1, 'at least one path').max(1000);

export const UploadRequest = z
  .object({
    workerId: WorkerId,
    /** Files or folders on this computer. */
    localPaths: Paths(LocalPath),
    /** The folder on the worker they go into. */
    remoteDir: RemotePath,
    conflict: ConflictChoice.default('ask'),
  })
  .strict();
export type UploadRequest = z.input<typeof UploadRequest>;

export const DownloadRequest = z
  .object({
    workerId: WorkerId,
    /** Files or folders on the worker. */
    remotePaths: Paths(RemotePath),
    /** The folder on this computer they go into; default the app's downloads folder. */
    localDir: LocalPath.optional(),
    conflict: ConflictChoice.default('ask'),
  })
  .strict();
export type DownloadRequest = z.input<typeof DownloadRequest>;

export const TransferItem = z.object({
  id: TransferId,
  workerId: WorkerId,
  direction: z.enum(['upload', 'download']),
  /** On this computer: the source of an upload, the destination of a download (the file or folder itself). */
  localPath: z.string(),
  /** On the worker: the destination of an upload, the source of a download (the file or folder itself). */
  remotePath: z.string(),
  state: TransferState,
  kind: z.enum(['file', 'folder']).optional(),
  conflict: ConflictChoice,
  bytesDone: z.number(),
  bytesTotal: z.number(),
  bytesPerSecond: z.number(),
  /** Of bytesDone, those kept from an earlier attempt (a resume) or skipped, not transferred. */
  bytesReused: z.number().optional(),
  etaSeconds: z.number().optional(),
  currentFile: z.string().optional(),
  /** Set while the item waits for an answer: the destination that exists. */
  pendingConflict: z.object({ path: z.string(), existingSize: z.number(), sourceSize: z.number() }).optional(),
  /** Once done: files written and left alone, and entries that are not files or folders (links ...). */
  result: z.object({ written: z.number(), skipped: z.number(), unsupported: z.array(z.string()) }).optional(),
  error: WireError.optional(),
  createdAt: z.string(),
});
export type TransferItem = z.infer<typeof TransferItem>;

export const TransferSnapshot = z.object({
  items: z.array(TransferItem),
  total: z.object({
    bytesDone: z.number(),
    bytesTotal: z.number(),
    bytesPerSecond: z.number(),
    etaSeconds: z.number().optional(),
    running: z.number(),
    queued: z.number(),
    waiting: z.number(),
  }),
  /** Where downloads go when no folder is given. */
  downloadDir: z.string(),
});
export type TransferSnapshot = z.infer<typeof TransferSnapshot>;

export const ResolveConflictRequest = z
  .object({
    id: TransferId,
    choice: ConflictPolicy,
    /** Every later conflict of this worker's transfers (and those waiting now) gets the same answer. */
    applyToAll: z.boolean().default(false),
  })
  .strict();

export const LocalEntry = z.object({
  name: z.string(),
  type: z.enum(['file', 'directory', 'symlink', 'other']),
  size: z.number(),
  modifiedAt: z.string(),
});
export type LocalEntry = z.infer<typeof LocalEntry>;

export const LocalListing = z.object({
  path: z.string(),
  /** undefined at the root. */
  parent: z.string().optional(),
  home: z.string(),
  entries: z.array(LocalEntry),
  /** How many entries the folder has, when that is more than `entries` lists. */
  total: z.number().int().optional(),
});
export type LocalListing = z.infer<typeof LocalListing>;
