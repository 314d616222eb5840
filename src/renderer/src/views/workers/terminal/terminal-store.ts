import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import type { WorkbenchClient } from '../../../../../shared/rpc-client.ts';
import { copyText } from '../../../lib/clipboard.ts';
import { onThemeChange, terminalTheme } from './terminal-theme.ts';
import { errorMessage } from '../../../lib/errors.ts';

export type SessionStatus = 'starting' | 'open' | 'closed' | 'failed';

/** What the tabs render; a new object whenever something in it changes. */
export interface TabInfo {
  key: string;
  workerId: string;
  title: string;
  status: SessionStatus;
  terminalId: string | undefined;
  error: string | undefined;
}

interface Session {
  info: TabInfo;
  term: Terminal;
  fit: FitAddon;
  /** The element xterm renders into; moved between containers as views mount and unmount. */
  host: HTMLDivElement;
  opened: boolean;
  sent: { cols: number; rows: number } | undefined;
  inputFailing: boolean;
  /** Keys typed while the shell was starting, sent once it is open (typing ahead is normal). */
  typedAhead: string;
}

const FONT = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
const SCROLLBACK_LINES = 5000;
const DIM = (text: string) => `\x1b[2m${text}\x1b[0m`;
const RED = (text: string) => `\x1b[31m${text}\x1b[0m`;

const clamp = (n: number) => Math.max(2, Math.min(1000, n));

/**
 * Terminal sessions live here, outside React, so a tab keeps its screen and scrollback when
 * the user switches views or the connection drops (the core prints its reconnect notice into
 * the same stream). One topic-wide `terminal:data` subscription routes output by terminal id;
 * output that arrives before `terminal:open` has returned its id (the first prompt can) is
 * held until the id is known.
 */
export class TerminalStore {
  private readonly sessions = new Map<string, Session>();
  private readonly byTerminal = new Map<string, Session>();
  private readonly early = new Map<string, { data: string; closed: boolean }>();
  private readonly listeners = new Set<() => void>();
  private readonly tabCache = new Map<string, TabInfo[]>();
  private readonly counters = new Map<string, number>();
  private opening = 0;
  private nextKey = 1;

  constructor(private readonly client: WorkbenchClient) {
    client.subscribe('terminal:data', (event) => this.receive(event.terminalId, event.data, event.closed === true));
    onThemeChange(() => {
      const theme = terminalTheme();
      for (const session of this.sessions.values()) session.term.options.theme = theme;
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The tabs of one worker, the same array until one of them changes (for useSyncExternalStore). */
  tabs(workerId: string): TabInfo[] {
    let tabs = this.tabCache.get(workerId);
    if (!tabs) {
      tabs = [...this.sessions.values()].filter((s) => s.info.workerId === workerId).map((s) => s.info);
      this.tabCache.set(workerId, tabs);
    }
    return tabs;
  }

  /** A new tab; its shell starts once the tab is on screen and its size is known. */
  create(workerId: string): string {
    const key = `tab-${this.nextKey++}`;
    const number = (this.counters.get(workerId) ?? 0) + 1;
    this.counters.set(workerId, number);
    const term = new Terminal({ fontFamily: FONT, fontSize: 13, scrollback: SCROLLBACK_LINES, cursorBlink: true, theme: terminalTheme() });
    const fit = new FitAddon();
    term.loadAddon(fit);
    const host = document.createElement('div');
    host.className = 'terminal-host';
    const session: Session = {
      info: { key, workerId, title: `Shell ${number}`, status: 'starting', terminalId: undefined, error: undefined },
      term,
      fit,
      host,
      opened: false,
      sent: undefined,
      inputFailing: false,
      typedAhead: '',
    };
    term.onData((data) => this.input(session, data));
    term.onResize(() => this.sendSize(session));
    term.attachCustomKeyEventHandler((event) => this.onKey(session, event));
    this.sessions.set(key, session);
    this.changed(workerId);
    return key;
  }

  /** Puts the tab's screen into `container`; the first time, opens xterm there and starts the shell. */
  attach(key: string, container: HTMLElement): void {
    const session = this.sessions.get(key);
    if (!session) return;
    if (session.host.parentElement !== container) container.appendChild(session.host);
    if (!session.opened) {
      session.term.open(session.host);
      session.opened = true;
      this.fit(key);
      void this.start(session);
    } else {
      this.fit(key);
    }
  }

  detach(key: string): void {
    this.sessions.get(key)?.host.remove();
  }

  /** Fits the terminal to its container (skipped while hidden: a hidden tab has no size). */
  fit(key: string): void {
    const session = this.sessions.get(key);
    if (!session?.opened || session.host.offsetParent === null) return;
    const dims = session.fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return;
    const cols = clamp(dims.cols);
    const rows = clamp(dims.rows);
    if (cols !== session.term.cols || rows !== session.term.rows) session.term.resize(cols, rows);
  }

  focus(key: string): void {
    this.sessions.get(key)?.term.focus();
  }

  /** Starts a fresh shell in a tab whose session ended, keeping the old screen above it. */
  reopen(key: string): void {
    const session = this.sessions.get(key);
    if (!session || (session.info.status !== 'closed' && session.info.status !== 'failed')) return;
    session.term.write(`\r\n${DIM('— new session —')}\r\n`);
    void this.start(session);
  }

  close(key: string): void {
    const session = this.sessions.get(key);
    if (!session) return;
    const terminalId = session.info.terminalId;
    if (terminalId && session.info.status === 'open') this.client.call('terminal:close', { terminalId }).catch(() => {});
    if (terminalId) this.byTerminal.delete(terminalId);
    this.sessions.delete(key);
    session.term.dispose();
    session.host.remove();
    this.changed(session.info.workerId);
  }

  /**
   * The user disconnected the worker: its shells end (closed in the core too), their screens
   * stay, and each tab can start a new shell once the worker is connected again.
   */
  endWorker(workerId: string): void {
    for (const session of this.sessions.values()) {
      const { terminalId, status } = session.info;
      if (session.info.workerId !== workerId || status !== 'open' || !terminalId) continue;
      this.client.call('terminal:close', { terminalId }).catch(() => {});
      this.byTerminal.delete(terminalId);
      session.term.write(`\r\n${DIM('[disconnected]')}\r\n`);
      this.update(session, { status: 'closed' });
    }
  }

  /** Closes every tab of a worker (it was removed). */
  closeWorker(workerId: string): void {
    for (const session of [...this.sessions.values()]) if (session.info.workerId === workerId) this.close(session.info.key);
  }

  async copy(key: string): Promise<boolean> {
    const session = this.sessions.get(key);
    if (!session?.term.hasSelection()) return false;
    await copyText(session.term.getSelection());
    return true;
  }

  hasSelection(key: string): boolean {
    return this.sessions.get(key)?.term.hasSelection() ?? false;
  }

  /** Pastes text as typed input (xterm adds bracketed-paste markers when the shell asked for them). */
  paste(key: string, text: string): void {
    const session = this.sessions.get(key);
    if (!session) return;
    session.term.paste(text);
    session.term.focus();
  }

  selectAll(key: string): void {
    this.sessions.get(key)?.term.selectAll();
  }

  clear(key: string): void {
    this.sessions.get(key)?.term.clear();
  }

  private async start(session: Session): Promise<void> {
    this.update(session, { status: 'starting', error: undefined, terminalId: undefined });
    session.sent = undefined;
    this.opening++;
    try {
      const { terminalId } = await this.client.call('terminal:open', {
        workerId: session.info.workerId,
        cols: clamp(session.term.cols),
        rows: clamp(session.term.rows),
      });
      if (!this.sessions.has(session.info.key)) {
        // The tab was closed while the shell was starting.
        this.client.call('terminal:close', { terminalId }).catch(() => {});
        return;
      }
      session.sent = { cols: clamp(session.term.cols), rows: clamp(session.term.rows) };
      this.byTerminal.set(terminalId, session);
      this.update(session, { status: 'open', terminalId });
      const held = this.early.get(terminalId);
      this.early.delete(terminalId);
      if (held) this.receive(terminalId, held.data, held.closed);
      this.sendSize(session);
      const typed = session.typedAhead;
      session.typedAhead = '';
      if (typed) this.input(session, typed);
    } catch (err) {
      const message = errorMessage(err);
      session.term.write(`\r\n${RED(`Could not open a shell: ${message}`)}\r\n`);
      this.update(session, { status: 'failed', error: message });
    } finally {
      if (--this.opening === 0) this.early.clear();
    }
  }

  private receive(terminalId: string, data: string, closed: boolean): void {
    const session = this.byTerminal.get(terminalId);
    if (!session) {
      // Only while an open is in flight can unknown output be ours; otherwise it is another window's.
      if (this.opening > 0) {
        const held = this.early.get(terminalId) ?? { data: '', closed: false };
        this.early.set(terminalId, { data: held.data + data, closed: held.closed || closed });
      }
      return;
    }
    if (data) session.term.write(data);
    if (closed) {
      this.byTerminal.delete(terminalId);
      // The core usually says why the shell ended; mark the end only when it did not.
      if (!data) session.term.write(`\r\n${DIM('[session ended]')}\r\n`);
      this.update(session, { status: 'closed' });
    }
  }

  private input(session: Session, data: string): void {
    const { terminalId, status } = session.info;
    if (status === 'starting') {
      session.typedAhead += data;
      return;
    }
    if (!terminalId || status !== 'open') return;
    this.client.call('terminal:input', { terminalId, data }).then(
      () => (session.inputFailing = false),
      (err: unknown) => {
        // Say it once, not once per key pressed while the connection is away.
        if (session.inputFailing) return;
        session.inputFailing = true;
        session.term.write(`\r\n${RED(errorMessage(err))}\r\n`);
      },
    );
  }

  private sendSize(session: Session): void {
    const { terminalId, status } = session.info;
    const cols = clamp(session.term.cols);
    const rows = clamp(session.term.rows);
    if (!terminalId || status !== 'open' || (session.sent?.cols === cols && session.sent.rows === rows)) return;
    session.sent = { cols, rows };
    this.client.call('terminal:resize', { terminalId, cols, rows }).catch(() => {
      // A failed resize only leaves the remote size stale; the next one tries again.
      session.sent = undefined;
    });
  }

  /** Ctrl+Shift+C copies the selection; Ctrl+Shift+V is left to the browser's native paste. */
  private onKey(session: Session, event: KeyboardEvent): boolean {
    if (!event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
    if (event.code === 'KeyC') {
      if (event.type === 'keydown') {
        event.preventDefault();
        if (session.term.hasSelection()) void copyText(session.term.getSelection()).catch(() => {});
      }
      return false;
    }
    // xterm would send ^V; returning false without preventDefault lets the browser fire a
    // paste event on xterm's textarea, which needs no clipboard permission.
    if (event.code === 'KeyV') return false;
    return true;
  }

  private update(session: Session, patch: Partial<TabInfo>): void {
    session.info = { ...session.info, ...patch };
    this.changed(session.info.workerId);
  }

  private changed(workerId: string): void {
    this.tabCache.delete(workerId);
    for (const listener of this.listeners) listener();
  }
}

const stores = new WeakMap<WorkbenchClient, TerminalStore>();

export function terminalStoreFor(client: WorkbenchClient): TerminalStore {
  let store = stores.get(client);
  if (!store) {
    store = new TerminalStore(client);
    stores.set(client, store);
  }
  return store;
}
