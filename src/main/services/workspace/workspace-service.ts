import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import { LARGE_FILE_BYTES, type FileContent, type PythonDiagnostic, type Workspace, type WorkspaceEntry, type WorkspaceSummary, type WrittenFile } from '../../../shared/workspace.ts';
import type { ExampleCatalog } from '../jobs/examples.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { copyTree } from '../workers/copy-tree.ts';
import { resolveInside, toRelative } from './paths.ts';
import { checkPython } from './python-check.ts';
import { templateFiles } from './template.ts';
import { FolderWatcher } from './watcher.ts';

/** Folders never listed in the tree (and never copied from an example). */
const HIDDEN = new Set(['.git', 'node_modules', '__pycache__', '.venv', 'venv']);
const MAX_ENTRIES = 5000;
/** Bytes looked at to tell binary from text. */
const SNIFF_BYTES = 8192;

export interface WorkspaceServiceOptions {
  /** Where new job workspaces are made: `<dataDir>/workspaces`. */
  workspacesDir: string;
  examples: ExampleCatalog;
  /** Called with the paths that changed on disk in an open workspace. */
  changed: (root: string, paths: string[]) => void;
  python?: string;
}

/**
 * Job workspaces on disk: open any folder, list it, read and write its files, and make new
 * jobs from the template or an example. Every path the UI sends is relative to an open
 * workspace and checked by `resolveInside`; nothing outside an open workspace is touched.
 */
export class WorkspaceService {
  private readonly watchers = new Map<string, FolderWatcher>();

  constructor(private readonly options: WorkspaceServiceOptions) {}

  /** The job workspaces in the default folder, most recently changed first. */
  async list(): Promise<WorkspaceSummary[]> {
    const dir = this.options.workspacesDir;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const out: WorkspaceSummary[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const info = await stat(join(dir, entry.name));
      out.push({ name: entry.name, root: join(dir, entry.name), modifiedAt: info.mtime.toISOString() });
    }
    return out.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt));
  }

  /** Opens a folder as a workspace (and starts watching it); returns its tree. */
  async openFolder(path: string): Promise<Workspace> {
    const expanded = path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
    if (!isAbsolute(expanded)) throw new WorkbenchError('BAD_INPUT', `${path} is a relative path; give the folder's full path (e.g. /home/me/jobs/my-analysis).`);
    const root = await realpath(expanded).catch(() => {
      throw new WorkbenchError('NOT_FOUND', `The folder ${path} does not exist. Choose an existing folder, or make a new job.`);
    });
    if (!(await stat(root)).isDirectory()) throw new WorkbenchError('BAD_INPUT', `${path} is a file, not a folder; open the folder that holds it.`);
    if (!this.watchers.has(root)) {
      const watcher = new FolderWatcher(root, (paths) => this.options.changed(root, paths));
      this.watchers.set(root, watcher);
      // Once open returns, every change in the workspace is noticed.
      await watcher.ready;
    }
    return this.tree(root);
  }

  close(root: string): void {
    this.watchers.get(root)?.close();
    this.watchers.delete(root);
  }

  closeAll(): void {
    for (const root of [...this.watchers.keys()]) this.close(root);
  }

  async tree(root: string): Promise<Workspace> {
    this.requireOpen(root);
    const entries: WorkspaceEntry[] = [];
    let truncated = false;
    const walk = async (dir: string): Promise<void> => {
      const children = await readdir(dir, { withFileTypes: true });
      children.sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name));
      for (const child of children) {
        if (entries.length >= MAX_ENTRIES) {
          truncated = true;
          return;
        }
        const path = join(dir, child.name);
        // Symbolic links are left out: following them could lead outside the workspace.
        if (child.isDirectory() && !HIDDEN.has(child.name)) {
          entries.push({ path: toRelative(root, path), kind: 'folder', size: 0 });
          await walk(path);
        } else if (child.isFile() && !/^\..*\.tmp$/.test(child.name)) {
          entries.push({ path: toRelative(root, path), kind: 'file', size: (await lstat(path)).size });
        }
      }
    };
    await walk(root);
    return { root, name: basename(root), entries, truncated };
  }

  async read(root: string, path: string, large = false): Promise<FileContent> {
    this.requireOpen(root);
    const file = await resolveInside(root, path);
    const info = await stat(file).catch(() => {
      throw new WorkbenchError('NOT_FOUND', `${path} does not exist in the workspace (deleted or renamed?).`);
    });
    if (!info.isFile()) throw new WorkbenchError('BAD_INPUT', `${path} is not a file.`);
    const base = { path, size: info.size, mtimeMs: info.mtimeMs };
    if (info.size > LARGE_FILE_BYTES && !large) return { kind: 'large', ...base };
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'EACCES' ? 'you have no permission to read it' : (err as Error).message;
      return { kind: 'unreadable', ...base, notice: `${path} cannot be read: ${reason}.` };
    }
    if (data.subarray(0, SNIFF_BYTES).includes(0)) {
      return { kind: 'unreadable', ...base, notice: `${path} is a binary file; it is not shown or edited here.` };
    }
    try {
      return { kind: 'text', ...base, text: new TextDecoder('utf-8', { fatal: true }).decode(data) };
    } catch {
      const preview = new TextDecoder('utf-8').decode(data);
      return { kind: 'unreadable', ...base, preview, notice: `${path} is not UTF-8 text: shown read-only, so that saving cannot damage it.` };
    }
  }

  /** Replaces a file's content atomically, keeping its permissions (run.sh stays executable). */
  async write(root: string, path: string, text: string): Promise<WrittenFile> {
    this.requireOpen(root);
    const file = await resolveInside(root, path);
    const existing = await stat(file).catch(() => undefined);
    if (existing?.isDirectory()) throw new WorkbenchError('BAD_INPUT', `${path} is a folder; choose a file name.`);
    if (!(await stat(dirname(file)).catch(() => undefined))?.isDirectory()) {
      throw new WorkbenchError('NOT_FOUND', `The folder of ${path} does not exist; create it first.`);
    }
    // Write where a link inside the workspace points, rather than replacing the link.
    const target = existing ? await realpath(file) : file;
    await writeFileAtomic(target, text, existing ? existing.mode & 0o777 : 0o644);
    const after = await stat(target);
    return { path, size: after.size, mtimeMs: after.mtimeMs };
  }

  async create(root: string, path: string, kind: 'file' | 'folder'): Promise<void> {
    this.requireOpen(root);
    const target = await resolveInside(root, path);
    if (await lstat(target).catch(() => undefined)) throw new WorkbenchError('BAD_INPUT', `${path} already exists; choose another name.`);
    await mkdir(dirname(target), { recursive: true });
    if (kind === 'folder') await mkdir(target);
    else await (await open(target, 'wx', 0o644)).close();
  }

  async rename(root: string, from: string, to: string): Promise<void> {
    this.requireOpen(root);
    const source = await resolveInside(root, from);
    const target = await resolveInside(root, to);
    if (!(await lstat(source).catch(() => undefined))) throw new WorkbenchError('NOT_FOUND', `${from} does not exist in the workspace.`);
    if (await lstat(target).catch(() => undefined)) throw new WorkbenchError('BAD_INPUT', `${to} already exists; choose another name.`);
    if (`${target}/`.startsWith(`${source}/`)) throw new WorkbenchError('BAD_INPUT', `A folder cannot be moved into itself (${from} to ${to}).`);
    await mkdir(dirname(target), { recursive: true });
    await rename(source, target);
  }

  async delete(root: string, path: string): Promise<void> {
    this.requireOpen(root);
    const target = await resolveInside(root, path);
    if (!(await lstat(target).catch(() => undefined))) throw new WorkbenchError('NOT_FOUND', `${path} does not exist in the workspace.`);
    await rm(target, { recursive: true });
  }

  /** A new job folder under the workspaces folder, from the template or an example; opened. */
  async newJob(name: string, source: { kind: 'template' } | { kind: 'example'; name: string }): Promise<Workspace> {
    // The workspaces folder is the app's own (in its data dir): a link there is refused.
    await makeOwnFolder(dirname(this.options.workspacesDir), this.options.workspacesDir);
    const dir = join(this.options.workspacesDir, name);
    if (await lstat(dir).catch(() => undefined)) {
      throw new WorkbenchError('BAD_INPUT', `A job named "${name}" already exists in ${this.options.workspacesDir}; choose another name or open it.`);
    }
    if (source.kind === 'example') {
      const example = await this.options.examples.get(source.name);
      await copyTree(example.dir, dir, (rel) => /(^|\/)(output|__pycache__)(\/|$)|\.pyc$/.test(rel));
    } else {
      await mkdir(dir);
      for (const [file, { text, mode }] of Object.entries(templateFiles(name))) await writeFile(join(dir, file), text, { mode });
    }
    return this.openFolder(dir);
  }

  /** Checks a script: the given text (unsaved edits), or the file as saved. */
  async checkPython(root: string, path: string, text?: string): Promise<PythonDiagnostic[]> {
    this.requireOpen(root);
    const file = await resolveInside(root, path);
    const source = text ?? (await readFile(file, 'utf8'));
    return checkPython(source, path, this.options.python);
  }

  private requireOpen(root: string): void {
    if (!this.watchers.has(root)) {
      throw new WorkbenchError('FORBIDDEN', `The workspace ${root} is not open; open it first (Editor → Open folder).`);
    }
  }
}
