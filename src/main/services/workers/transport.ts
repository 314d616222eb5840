/**
 * How the app reaches a worker. The job protocol is written once against this interface, so
 * a run on this computer and a run on an SSH or EC2 worker are the same code. Paths are the
 * worker's paths; commands are argv arrays, never shell strings.
 */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FileSlice {
  data: Buffer;
  /** The file's size when read. */
  size: number;
}

export interface UploadOptions {
  ignore?: (relativePath: string) => boolean;
  onFile?: (relativePath: string, bytes: number) => void;
}

export interface Transport {
  /** The worker's own folder for the workbench (runs, runtime), e.g. ~/.workbench. */
  readonly root: string;
  /** `env` is honoured on this computer only (variables for the runner here; undefined removes one); a remote worker ignores it. */
  exec(argv: string[], options?: { cwd?: string; timeoutMs?: number; env?: Record<string, string | undefined> }): Promise<ExecResult>;
  /** Up to `limit` bytes of `path` from `offset`; undefined when the file does not exist. */
  readFrom(path: string, offset: number, limit: number): Promise<FileSlice | undefined>;
  exists(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  /** Writes a whole file atomically. */
  writeFile(path: string, data: string | Uint8Array): Promise<void>;
  /** Copies a folder of this computer to the worker (regular files and folders only); `onFile` after each file (for progress). */
  uploadDir(localDir: string, remoteDir: string, options?: UploadOptions): Promise<void>;
  /** Copies a worker folder to this computer; returns the files copied. */
  downloadDir(remoteDir: string, localDir: string): Promise<{ path: string; bytes: number }[]>;
}
