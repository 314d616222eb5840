import { WorkbenchError } from '../../../../shared/errors.ts';

/** A Node fs error on this computer, as a WorkbenchError naming the path and the fix. */
export function localError(err: unknown, action: string, path: string): WorkbenchError {
  if (err instanceof WorkbenchError) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
      return new WorkbenchError('NOT_FOUND', `Could not ${action} ${path} on this computer: it does not exist (or its folder does not). Check the path.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new WorkbenchError('FORBIDDEN', `Could not ${action} ${path} on this computer: permission denied. Pick a folder you can write to, or change its permissions.`, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
      return new WorkbenchError('UNAVAILABLE', `Could not ${action} ${path}: the disk is full. Free some space and retry; the transfer resumes where it stopped.`, { cause: err });
    case 'EISDIR':
    case 'ENOTDIR':
      return new WorkbenchError('BAD_INPUT', `Could not ${action} ${path}: a folder and a file are in each other's way (${code}).`, { cause: err });
    default:
      return new WorkbenchError('INTERNAL', `Could not ${action} ${path} on this computer: ${detail}`, { cause: err });
  }
}
