import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

const DEBOUNCE_MS = 150;
/** Folders never watched: caches and tools' trees, large and not the user's job code. */
const SKIPPED_DIRS = new Set(['.git', 'node_modules', '__pycache__', '.venv', 'venv']);
/** Atomic-write temp files (`.<name>.<pid>.<hex>.tmp`) come and go with every save. */
const TEMP_FILE = /(^|\/)\.[^/]*\.tmp$/;
/** A bound on inotify watches: a workspace this big is not a job folder. */
const MAX_DIRS = 1000;

/**
 * Notices changes under a folder made by anyone and reports the changed relative paths in
 * batches: editors and tools write a file in several steps (temp file, rename, chmod), and
 * the UI should hear about it once.
 *
 * One plain watch per folder rather than `recursive: true`: Node 20 implements recursion on
 * Linux by walking the whole tree synchronously, a watch per file, which would stall the
 * app on a big folder. Here the walk is asynchronous, skips caches, and stops at MAX_DIRS.
 */
export class FolderWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private pending = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Resolves when the folders there were at the start are all watched. */
  readonly ready: Promise<void>;

  constructor(
    private readonly root: string,
    private readonly onChange: (paths: string[]) => void,
    private readonly options: { debounceMs?: number; watching?: (dir: string) => void } = {},
  ) {
    this.ready = this.watchTree(root);
  }

  private async watchTree(dir: string): Promise<void> {
    if (this.closed || this.watchers.has(dir) || this.watchers.size >= MAX_DIRS) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => this.noticed(dir, name ? String(name) : ''));
    } catch {
      return; // Gone already, or not ours to read: nothing to watch.
    }
    // A watched folder that disappears must not crash the app; the tree call will say so.
    watcher.on('error', () => this.unwatch(dir));
    this.watchers.set(dir, watcher);
    this.options.watching?.(dir);
    // Watching before listing: nothing made in between is missed.
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED_DIRS.has(entry.name)) await this.watchTree(join(dir, entry.name));
    }
  }

  private noticed(dir: string, name: string): void {
    if (this.closed) return;
    const path = name ? join(dir, name) : dir;
    const rel = relative(this.root, path).split(sep).join('/');
    if (TEMP_FILE.test(rel) || rel.split('/').some((part) => SKIPPED_DIRS.has(part))) return;
    // A folder made or moved in is watched from now on; one removed stops being watched.
    void lstat(path).then(
      (info) => (info.isDirectory() ? this.watchTree(path) : undefined),
      () => this.unwatch(path),
    );
    this.pending.add(rel);
    this.timer ??= setTimeout(() => this.flush(), this.options.debounceMs ?? DEBOUNCE_MS);
  }

  private unwatch(dir: string): void {
    for (const [path, watcher] of this.watchers) {
      if (path === dir || path.startsWith(`${dir}${sep}`)) {
        watcher.close();
        this.watchers.delete(path);
      }
    }
  }

  private flush(): void {
    this.timer = undefined;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    if (paths.length > 0 && !this.closed) this.onChange(paths);
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
