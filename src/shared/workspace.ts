import { z } from 'zod';

/**
 * Job workspaces: folders holding a map/reduce script, filter.json, run.sh and anything else.
 * Paths inside a workspace are relative, with `/` separators; main checks every one of them.
 */

/** Files bigger than this are read only when the user says so (`large: true`). */
export const LARGE_FILE_BYTES = 20 * 1024 * 1024;
/** What one write may carry; the browser host's socket takes any such text (MAX_CLIENT_MESSAGE_BYTES). */
export const MAX_WRITE_CHARS = 15 * 1024 * 1024;

export const WorkspaceRoot = z.string().min(1).max(4096);
export const RelativePath = z.string().min(1).max(4096);

export const WorkspaceEntry = z.object({
  /** Relative to the workspace, `/`-separated. */
  path: z.string(),
  kind: z.enum(['file', 'folder']),
  size: z.number().int().nonnegative(),
});
export type WorkspaceEntry = z.infer<typeof WorkspaceEntry>;

export const Workspace = z.object({
  /** The workspace folder's real absolute path: the key of every later call. */
  root: z.string(),
  name: z.string(),
  /** Every file and folder, depth first, folders before files; big trees are cut short. */
  entries: z.array(WorkspaceEntry),
  truncated: z.boolean(),
});
export type Workspace = z.infer<typeof Workspace>;

export const WorkspaceSummary = z.object({ name: z.string(), root: z.string(), modifiedAt: z.string() });
export type WorkspaceSummary = z.infer<typeof WorkspaceSummary>;

export const FileContent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), path: z.string(), text: z.string(), size: z.number(), mtimeMs: z.number() }),
  /** Not shown as text: `notice` says why (binary, not UTF-8, unreadable). */
  z.object({
    kind: z.literal('unreadable'),
    path: z.string(),
    notice: z.string(),
    /** For text in another encoding: a lossy rendering to look at, never to save. */
    preview: z.string().optional(),
    size: z.number(),
    mtimeMs: z.number(),
  }),
  /** Over LARGE_FILE_BYTES and not asked for with `large: true`. */
  z.object({ kind: z.literal('large'), path: z.string(), size: z.number(), mtimeMs: z.number() }),
]);
export type FileContent = z.infer<typeof FileContent>;

export const WrittenFile = z.object({ path: z.string(), size: z.number(), mtimeMs: z.number() });
export type WrittenFile = z.infer<typeof WrittenFile>;

export const NewJobSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('template') }),
  z.object({ kind: z.literal('example'), name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an example name') }),
]);

/** A job name doubles as its folder's name under the workspaces folder. */
export const JobName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'a job name of letters, digits, spaces, dots, dashes and underscores, starting with a letter or digit');

export const PythonDiagnostic = z.object({
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  /** 1-based; the end is exclusive and may equal the start. */
  line: z.number().int(),
  column: z.number().int(),
  endLine: z.number().int(),
  endColumn: z.number().int(),
});
export type PythonDiagnostic = z.infer<typeof PythonDiagnostic>;

/** Files changed on disk in an open workspace (by anyone, the app included). */
export const WorkspaceChanged = z.object({ root: z.string(), paths: z.array(z.string()) });
export type WorkspaceChanged = z.infer<typeof WorkspaceChanged>;
