import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

/**
 * A stand-in for the `electron` module, recording what the shell asks of it. The Electron
 * binary cannot run on the machines these tests run on; everything behind the shell is
 * tested for real elsewhere.
 */
export class FakeWebContents extends EventEmitter {
  mainFrame = { url: '' };
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  sent: { channel: string; args: unknown[] }[] = [];
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
    this.windowOpenHandler = handler;
  }
  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }
  isDestroyed() {
    return false;
  }
}

export function createFakeElectron(userData: string) {
  const appEvents = new EventEmitter();
  const windows: FakeBrowserWindow[] = [];
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const listeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();
  const permissionRequests: ((contents: unknown, permission: string, callback: (ok: boolean) => void) => void)[] = [];
  const permissionChecks: (() => boolean)[] = [];
  const headerHooks: ((details: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void)[] = [];

  class FakeBrowserWindow extends EventEmitter {
    webContents = new FakeWebContents();
    loadedUrl: string | undefined;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
    }
    async loadURL(url: string) {
      this.loadedUrl = url;
      this.webContents.mainFrame.url = url;
    }
    show() {}
    focus() {}
    restore() {}
    isMinimized() {
      return false;
    }
  }

  class FakeNotification {
    static shown: { title: string; body: string }[] = [];
    static isSupported() {
      return true;
    }
    constructor(readonly options: { title: string; body: string }) {}
    on() {
      return this;
    }
    show() {
      FakeNotification.shown.push(this.options);
    }
  }

  const electron = {
    app: {
      isPackaged: true,
      requestSingleInstanceLock: () => true,
      quit: vi.fn(),
      getPath: (name: string) => (name === 'userData' ? userData : `/nonexistent/${name}`),
      whenReady: () => Promise.resolve(),
      on: (event: string, listener: (...args: unknown[]) => void) => appEvents.on(event, listener),
    },
    BrowserWindow: FakeBrowserWindow,
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => handlers.set(channel, handler),
      removeHandler: (channel: string) => handlers.delete(channel),
      on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => listeners.set(channel, listener),
      removeListener: (channel: string) => listeners.delete(channel),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: (typeof permissionRequests)[number]) => permissionRequests.push(h),
        setPermissionCheckHandler: (h: () => boolean) => permissionChecks.push(h),
        webRequest: { onHeadersReceived: (h: (typeof headerHooks)[number]) => headerHooks.push(h) },
      },
    },
    shell: { openExternal: vi.fn(async () => {}) },
    // No keychain on a test machine: the app must refuse to store entered keys.
    safeStorage: { isEncryptionAvailable: () => false, encryptString: vi.fn(), decryptString: vi.fn(), getSelectedStorageBackend: () => 'basic_text' },
    Notification: FakeNotification,
  };

  return { electron, appEvents, windows, handlers, listeners, permissionRequests, permissionChecks, headerHooks };
}
