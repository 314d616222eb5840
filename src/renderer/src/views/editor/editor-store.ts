import { checkFilter } from '../../../../shared/filter.ts';
import type { RemoteError } from '../../../../shared/errors.ts';
import type { WorkbenchClient } from '../../../../shared/rpc-client.ts';
import type { FileContent, Workspace } from '../../../../shared/workspace.ts';
import { languageOf, monaco } from './monaco.ts';
import { errorMessage } from '../../lib/errors.ts';
import { EDITOR_ROOT_KEY as LAST_ROOT_KEY } from '../../lib/editor-workspace.ts';

export interface Tab {
  path: string;
  kind: FileContent['kind'];
  size: number;
  /** Why the file is shown read-only (binary, other encoding, unreadable). */
  notice?: string;
  dirty: boolean;
  /** Set when another program changed (or deleted) the file since it was loaded or saved. */
  changedOnDisk?: 'changed' | 'deleted';
}

/** An error marker in an open file, for asking before a run. */
export interface MarkedError {
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface EditorState {
  workspace?: Workspace;
  tabs: Tab[];
  active?: string;
  error?: string;
  busy?: string;
}

function isFilter(path: string): boolean {
  return /(^|\/)([^/]*\.)?filter\.json$/.test(path);
}

/**
 * The Editor's state, outside React so that open tabs and unsaved edits survive switching
 * views. Text lives in Monaco models (one per open text file); the store tracks which are
 * open, which differ from disk, and talks to main for everything on disk.
 */
export class EditorStore {
  private state: EditorState = { tabs: [] };
  private readonly listeners = new Set<() => void>();
  private readonly saved = new Map<string, { versionId: number; text: string }>();
  private unwatch: (() => void) | undefined;
  private readonly filterTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Files being saved: the watcher's echo of our own write is not "changed on disk". */
  private readonly saving = new Set<string>();

  constructor(private readonly client: WorkbenchClient) {
    // Closing the window (or reloading the page) with unsaved work asks first.
    window.addEventListener('beforeunload', (event) => {
      if (this.state.tabs.some((t) => t.dirty)) event.preventDefault();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  get = (): EditorState => this.state;

  private set(patch: Partial<EditorState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }

  private updateTab(path: string, patch: Partial<Tab>): void {
    this.set({ tabs: this.state.tabs.map((t) => (t.path === path ? { ...t, ...patch } : t)) });
  }

  /** Runs a call, showing its failure in the view instead of throwing. */
  private async attempt<T>(busy: string | undefined, work: () => Promise<T>): Promise<T | undefined> {
    this.set({ error: undefined, busy });
    try {
      try {
        return await work();
      } catch (err) {
        // Another window closed this workspace (main watches it once for all): open it again, once.
        const root = this.root();
        if (!root || (err as RemoteError).code !== 'FORBIDDEN' || !/is not open/.test(errorMessage(err))) throw err;
        await this.client.call('workspace:open', { path: root });
        return await work();
      }
    } catch (err) {
      this.set({ error: errorMessage(err) });
      return undefined;
    } finally {
      this.set({ busy: undefined });
    }
  }

  root(): string | undefined {
    return this.state.workspace?.root;
  }

  uriOf(path: string): monaco.Uri {
    return monaco.Uri.file(`${this.root() ?? ''}/${path}`);
  }

  model(path: string): monaco.editor.ITextModel | null {
    return monaco.editor.getModel(this.uriOf(path));
  }

  /** Re-opens the workspace of the last session, if there was one. */
  async restore(): Promise<void> {
    const last = localStorage.getItem(LAST_ROOT_KEY);
    if (!last || this.state.workspace) return;
    await this.openWorkspace(last);
    // Gone since (deleted, renamed): start afresh rather than complain about the past.
    if (!this.state.workspace) {
      localStorage.removeItem(LAST_ROOT_KEY);
      this.set({ error: undefined });
    }
  }

  async openWorkspace(path: string): Promise<void> {
    await this.attempt('Opening…', async () => this.adopt(await this.client.call('workspace:open', { path })));
  }

  async newJob(name: string, from: { kind: 'template' } | { kind: 'example'; name: string }): Promise<boolean> {
    const workspace = await this.attempt('Creating…', () => this.client.call('workspace:new', { name, from }));
    if (!workspace) return false;
    this.adopt(workspace);
    await this.openFile(workspace.entries.some((e) => e.path === 'job.py') ? 'job.py' : (workspace.entries.find((e) => e.kind === 'file')?.path ?? ''));
    return true;
  }

  private adopt(workspace: Workspace): void {
    if (this.state.workspace && this.state.workspace.root !== workspace.root) this.closeWorkspace();
    localStorage.setItem(LAST_ROOT_KEY, workspace.root);
    this.unwatch?.();
    this.unwatch = this.client.subscribe('workspace:changed', ({ paths }) => void this.onDiskChange(paths), workspace.root);
    this.set({ workspace });
  }

  closeWorkspace(): void {
    const root = this.root();
    for (const tab of this.state.tabs) this.model(tab.path)?.dispose();
    this.saved.clear();
    this.unwatch?.();
    this.unwatch = undefined;
    if (root) void this.client.call('workspace:close', { root }).catch(() => {});
    localStorage.removeItem(LAST_ROOT_KEY);
    this.set({ workspace: undefined, tabs: [], active: undefined });
  }

  async refreshTree(): Promise<void> {
    const root = this.root();
    if (!root) return;
    const workspace = await this.attempt(undefined, () => this.client.call('workspace:tree', { root }));
    if (workspace) this.set({ workspace });
  }

  async openFile(path: string, large = false): Promise<void> {
    const root = this.root();
    if (!root || !path) return;
    const existing = this.state.tabs.find((t) => t.path === path);
    if (existing && !(large && existing.kind === 'large')) {
      this.set({ active: path });
      return;
    }
    const content = await this.attempt(large ? 'Reading…' : undefined, () => this.client.call('workspace:read', { root, path, large }));
    if (!content) return;
    const tab = this.load(content);
    const tabs = existing ? this.state.tabs.map((t) => (t.path === path ? tab : t)) : [...this.state.tabs, tab];
    this.set({ tabs, active: path });
    if (content.kind === 'text' && path.endsWith('.py')) void this.checkPython(path);
  }

  private load(content: FileContent): Tab {
    const tab: Tab = { path: content.path, kind: content.kind, size: content.size, dirty: false };
    if (content.kind === 'large') return tab;
    const text = content.kind === 'text' ? content.text : (content.preview ?? '');
    if (content.kind === 'unreadable') {
      tab.notice = content.notice;
      if (content.preview === undefined) return tab;
    }
    this.createModel(content.path, text, text);
    return tab;
  }

  /** A model for `path` holding `text`; `savedText` is what is on disk (they differ for unsaved edits). */
  private createModel(path: string, text: string, savedText: string): void {
    const model = monaco.editor.createModel(text, languageOf(path), this.uriOf(path));
    this.saved.set(path, { versionId: text === savedText ? model.getAlternativeVersionId() : -1, text: savedText });
    model.onDidChangeContent(() => {
      const saved = this.saved.get(path);
      // Typed back to what is on disk is clean again; the length test keeps big files cheap.
      const dirty =
        model.getAlternativeVersionId() !== saved?.versionId && !(model.getValueLength() === saved?.text.length && model.getValue() === saved.text);
      if (dirty !== this.state.tabs.find((t) => t.path === path)?.dirty) this.updateTab(path, { dirty });
      if (isFilter(path)) this.scheduleFilterCheck(path);
    });
    if (isFilter(path)) this.checkFilterNow(path);
  }

  /** Whether a tab's text can be edited and saved. */
  editable(tab: Tab): boolean {
    return tab.kind === 'text';
  }

  private scheduleFilterCheck(path: string): void {
    clearTimeout(this.filterTimers.get(path));
    this.filterTimers.set(path, setTimeout(() => this.checkFilterNow(path), 150));
  }

  private checkFilterNow(path: string): void {
    const model = this.model(path);
    if (!model) return;
    const markers = checkFilter(model.getValue()).map((d) => ({
      severity: d.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
      message: d.message,
      source: 'filter',
      startLineNumber: d.line,
      startColumn: d.column,
      endLineNumber: d.endLine,
      endColumn: Math.max(d.endColumn, d.line === d.endLine ? d.column + 1 : d.endColumn),
    }));
    monaco.editor.setModelMarkers(model, 'filter', markers);
  }

  async checkPython(path: string): Promise<void> {
    const root = this.root();
    const model = this.model(path);
    if (!root || !model) return;
    const text = model.getValue();
    const diagnostics = await this.attempt(undefined, () => this.client.call('workspace:check-python', { root, path, text }));
    if (!diagnostics || model.isDisposed()) return;
    monaco.editor.setModelMarkers(
      model,
      'python',
      diagnostics.map((d) => ({
        severity: d.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
        message: d.message,
        source: 'python3',
        startLineNumber: d.line,
        startColumn: d.column,
        endLineNumber: d.endLine,
        endColumn: d.endLine === d.line && d.endColumn <= d.column ? d.column + 1 : d.endColumn,
      })),
    );
  }

  async save(path: string | undefined = this.state.active): Promise<boolean> {
    const root = this.root();
    const tab = this.state.tabs.find((t) => t.path === path);
    const model = path ? this.model(path) : null;
    if (!root || !tab || !model || !this.editable(tab)) return false;
    const text = model.getValue();
    const versionId = model.getAlternativeVersionId();
    this.saving.add(tab.path);
    const written = await this.attempt(undefined, () => this.client.call('workspace:write', { root, path: tab.path, text })).finally(() =>
      this.saving.delete(tab.path),
    );
    if (!written) return false;
    this.saved.set(tab.path, { versionId, text });
    this.updateTab(tab.path, { dirty: model.getAlternativeVersionId() !== versionId, changedOnDisk: undefined, size: written.size });
    if (tab.path.endsWith('.py')) await this.checkPython(tab.path);
    return true;
  }

  async saveAll(): Promise<boolean> {
    for (const tab of this.state.tabs.filter((t) => t.dirty)) {
      if (!(await this.save(tab.path))) return false;
    }
    return true;
  }

  closeTab(path: string): void {
    this.model(path)?.dispose();
    this.saved.delete(path);
    const index = this.state.tabs.findIndex((t) => t.path === path);
    const tabs = this.state.tabs.filter((t) => t.path !== path);
    const active = this.state.active === path ? (tabs[Math.min(index, tabs.length - 1)]?.path ?? undefined) : this.state.active;
    this.set({ tabs, active });
  }

  activate(path: string): void {
    this.set({ active: path });
  }

  /** Replaces the editor's text with the file as it is on disk now. */
  async reload(path: string): Promise<void> {
    const root = this.root();
    const model = this.model(path);
    if (!root) return;
    const content = await this.attempt(undefined, () => this.client.call('workspace:read', { root, path }));
    if (!content) return;
    if (content.kind !== 'text' || !model) {
      this.closeTab(path);
      await this.openFile(path);
      return;
    }
    // An edit, not setValue: the user can undo the reload.
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: content.text }], () => null);
    this.saved.set(path, { versionId: model.getAlternativeVersionId(), text: content.text });
    this.updateTab(path, { dirty: false, changedOnDisk: undefined, size: content.size });
  }

  keepMine(path: string): void {
    this.updateTab(path, { changedOnDisk: undefined });
  }

  private async onDiskChange(paths: string[]): Promise<void> {
    const root = this.root();
    if (!root) return;
    void this.refreshTree();
    // fs.watch may name a folder rather than the file in it: check every open tab under it.
    const touched = this.state.tabs.filter((t) => paths.some((p) => p === '' || t.path === p || t.path.startsWith(`${p}/`)));
    for (const tab of touched) {
      if (!this.saved.has(tab.path) || this.saving.has(tab.path)) continue;
      const content = await this.client.call('workspace:read', { root, path: tab.path }).catch(() => undefined);
      if (!content) this.updateTab(tab.path, { changedOnDisk: 'deleted' });
      else if (content.kind !== 'text' || content.text !== this.saved.get(tab.path)?.text) this.updateTab(tab.path, { changedOnDisk: 'changed' });
    }
  }

  async create(path: string, kind: 'file' | 'folder'): Promise<void> {
    const root = this.root();
    if (!root) return;
    const done = await this.attempt(undefined, async () => (await this.client.call('workspace:create', { root, path, kind }), true));
    if (!done) return;
    await this.refreshTree();
    if (kind === 'file') await this.openFile(path);
  }

  async rename(from: string, to: string): Promise<void> {
    const root = this.root();
    if (!root) return;
    const done = await this.attempt(undefined, async () => (await this.client.call('workspace:rename', { root, from, to }), true));
    if (!done) return;
    // Open tabs under the old name move with it, unsaved edits included.
    const moved = this.state.tabs.map((tab) => {
      if (tab.path !== from && !tab.path.startsWith(`${from}/`)) return tab;
      const next = to + tab.path.slice(from.length);
      const model = this.model(tab.path);
      const saved = this.saved.get(tab.path);
      if (model && saved) {
        this.createModel(next, model.getValue(), saved.text);
        model.dispose();
      }
      this.saved.delete(tab.path);
      return { ...tab, path: next };
    });
    const active = this.state.active;
    this.set({ tabs: moved, active: active === from || active?.startsWith(`${from}/`) ? to + active.slice(from.length) : active });
    await this.refreshTree();
  }

  async remove(path: string): Promise<void> {
    const root = this.root();
    if (!root) return;
    const done = await this.attempt(undefined, async () => (await this.client.call('workspace:delete', { root, path }), true));
    if (!done) return;
    for (const tab of this.state.tabs.filter((t) => t.path === path || t.path.startsWith(`${path}/`))) this.closeTab(tab.path);
    await this.refreshTree();
  }

  /** The errors the editor marks in the open files (Python checks, filter checks, JSON schema), in file order. */
  errors(): MarkedError[] {
    return this.state.tabs.flatMap((tab) => {
      const model = this.model(tab.path);
      if (!model) return [];
      return monaco.editor
        .getModelMarkers({ resource: model.uri })
        .filter((m) => m.severity === monaco.MarkerSeverity.Error)
        .sort((a, b) => a.startLineNumber - b.startLineNumber || a.startColumn - b.startColumn)
        .map((m) => ({ path: tab.path, line: m.startLineNumber, column: m.startColumn, message: m.message }));
    });
  }

  /** Saves everything, then hands the workspace to the local run flow; the run's id. */
  async run(): Promise<string | undefined> {
    const workspace = this.state.workspace;
    if (!workspace) return undefined;
    if (!(await this.saveAll())) return undefined;
    const active = this.state.active;
    const script = active?.endsWith('.py') ? active : 'job.py';
    const run = await this.attempt('Starting…', () => this.client.call('jobs:start', { source: { kind: 'folder', path: workspace.root }, script }));
    return run?.id;
  }
}
