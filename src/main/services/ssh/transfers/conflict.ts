import { WorkbenchError } from '../../../../shared/errors.ts';
import type { ConflictPolicy } from '../../../../shared/transfer-model.ts';
import { PART_SUFFIX } from './file-transfer.ts';
import type { Entry, Side } from './sides.ts';

/**
 * A file's destination that already exists. What to do with it is a ConflictPolicy:
 * - overwrite: transfer, then replace it;
 * - skip: leave it, transfer nothing;
 * - rename: transfer to the first free `name (1).ext`, `name (2).ext` ...;
 * - resume: treat it as the start of the file (an earlier copy cut short by another tool) and
 *   transfer only the rest; the SHA-256 check then confirms it really was.
 */
export interface Conflict {
  /** The destination that exists. */
  path: string;
  existing: Entry;
  sourceSize: number;
}

export type ResolveConflict = (conflict: Conflict) => Promise<ConflictPolicy>;

/** Where earlier attempts of a transfer put files they renamed: a retry continues there. */
export interface RenameMemory {
  /** The numbered path chosen for `path` by an earlier attempt, if any. */
  earlier(path: string): string | undefined;
  chosen(path: string, target: string): void;
}

/** `report.pdf` -> `report (n).pdf`; `.bashrc`, `data` and folders get the number at the end. */
export function numberedName(name: string, n: number, isFolder = false): string {
  const dot = name.lastIndexOf('.');
  if (isFolder || dot <= 0) return `${name} (${n})`;
  return `${name.slice(0, dot)} (${n})${name.slice(dot)}`;
}

const MAX_RENAME_TRIES = 1000;

/** The first `name (n).ext` beside `path` that names nothing (nor a part file of one). */
async function freeName(side: Side, dir: string, name: string): Promise<string> {
  for (let n = 1; n <= MAX_RENAME_TRIES; n++) {
    const candidate = side.join(dir, numberedName(name, n));
    if ((await side.entry(candidate)) === undefined && (await side.entry(candidate + PART_SUFFIX)) === undefined) return candidate;
  }
  throw new WorkbenchError('BAD_INPUT', `Could not find a free name like ${numberedName(name, 1)} in ${dir} on ${side.where}; tidy the folder or choose overwrite.`);
}

/**
 * Where the file goes, or undefined to skip it. For `resume` with no part file of our own, the
 * existing file becomes the part file, so the transfer continues from its size.
 */
export async function resolveDestination(
  side: Side,
  dir: string,
  name: string,
  sourceSize: number,
  resolve: ResolveConflict,
  renames?: RenameMemory,
): Promise<string | undefined> {
  const path = side.join(dir, name);
  const existing = await side.entry(path);
  if (existing === undefined) return path;
  if (existing.kind !== 'file') {
    throw new WorkbenchError('BAD_INPUT', `${path} on ${side.where} is a ${existing.kind}, not a file; move it away or pick another destination.`);
  }
  const policy = await resolve({ path, existing, sourceSize });
  switch (policy) {
    case 'skip':
      return undefined;
    case 'overwrite':
      return path;
    case 'rename': {
      // A retry goes on with the copy it started (resuming its part file) instead of a second one.
      const earlier = renames?.earlier(path);
      if (earlier !== undefined && (await side.entry(earlier)) === undefined) return earlier;
      const target = await freeName(side, dir, name);
      renames?.chosen(path, target);
      return target;
    }
    case 'resume':
      if ((await side.entry(path + PART_SUFFIX)) !== undefined) return path;
      if (existing.size > sourceSize) {
        throw new WorkbenchError('BAD_INPUT', `Cannot resume ${path} on ${side.where}: it is larger than the source (${existing.size} > ${sourceSize} bytes), so it is not a partial copy. Choose overwrite or rename.`);
      }
      await side.rename(path, path + PART_SUFFIX);
      return path;
  }
}
