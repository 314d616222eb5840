import { sep } from 'node:path';
import { WorkbenchError } from '../../../../shared/errors.ts';

/**
 * A name from a folder listing becomes a path only if it is one plain entry: not empty, "." or
 * "..", and without "/", this computer's separator ("\" on Windows) or NUL. OpenSSH never lists
 * such names, but a hostile or broken server could list "../../.bashrc", and a worker's file
 * may be named "..\..\x" (legal on Linux): joined as they are, either would write outside the
 * folder the user chose.
 */
export function isPlainName(name: string, localSep: string = sep): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes(localSep) && !name.includes('\0');
}

/** Throws unless `name`, listed in `dir` on `where` ('the worker' ...), is a plain entry name. */
export function checkPlainName(name: string, dir: string, where: string): void {
  if (!isPlainName(name)) {
    throw new WorkbenchError('BAD_INPUT', `The listing of ${dir} on ${where} holds an entry named ${JSON.stringify(name)}, which is not a plain file name (it holds a path separator, or is "." or ".."); nothing was copied.`);
  }
}
