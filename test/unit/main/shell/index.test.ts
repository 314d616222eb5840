import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES } from '../../../../src/shared/contract.ts';
import { createFakeElectron, FakeWebContents } from './fake-electron.ts';

const userData = await mkdtemp(join(tmpdir(), 'workbench-electron-'));
const fake = createFakeElectron(userData);
// Electron sets this for a packaged app: where resources/ is shipped.
Object.defineProperty(process, 'resourcesPath', { value: '/opt/analysis-workbench/resources', configurable: true });
vi.mock('electron', () => fake.electron);

describe('the Electron shell', () => {
  beforeAll(async () => {
    const main = await import('../../../../src/main/index.ts');
    await main.ready;
  });
  afterAll(() => rm(userData, { recursive: true, force: true }));

  const window = () => fake.windows[0]!;
  const trustedEvent = () => ({ sender: window().webContents, senderFrame: window().webContents.mainFrame });

  it('opens exactly one window, isolated and sandboxed, with no Node in the page', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = window().options['webPreferences'] as Record<string, unknown>;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(String(prefs['preload'])).toMatch(/preload[/\\]index\.js$/);
    expect(window().loadedUrl).toMatch(/^file:\/\/.*\/renderer\/index\.html$/);
  });

  it('registers a handler for every contract call and nothing else', () => {
    expect([...fake.handlers.keys()].sort()).toEqual([...CALL_NAMES].sort());
    expect([...fake.listeners.keys()].sort()).toEqual(['events:subscribe', 'events:unsubscribe']);
  });

  it('answers calls from its own window with the core', async () => {
    const result = (await fake.handlers.get('app:info')!(trustedEvent(), undefined)) as { ok: boolean; value: { host: string; dataDir: string } };
    expect(result).toMatchObject({ ok: true, value: { host: 'electron', dataDir: userData } });
  });

  it('refuses calls from any other frame, page or window', async () => {
    const contents = window().webContents;
    const subframe = { sender: contents, senderFrame: { url: contents.mainFrame.url } };
    const otherPage = { sender: contents, senderFrame: contents.mainFrame };
    const otherWindow = new FakeWebContents();
    otherWindow.mainFrame.url = contents.mainFrame.url;
    const cases = [
      subframe,
      { sender: otherWindow, senderFrame: otherWindow.mainFrame },
      { sender: contents, senderFrame: null },
    ];
    for (const event of cases) {
      const result = await fake.handlers.get('settings:get')!(event, undefined);
      expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    // The main frame navigated elsewhere (a prefix of our URL is not our URL).
    const saved = contents.mainFrame.url;
    contents.mainFrame.url = `${saved}.evil.html`;
    expect(await fake.handlers.get('settings:get')!(otherPage, undefined)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    contents.mainFrame.url = 'https://example.com/renderer/index.html';
    expect(await fake.handlers.get('settings:get')!(otherPage, undefined)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    contents.mainFrame.url = saved;
  });

  it('delivers subscribed events to its window only after a trusted subscribe', async () => {
    const contents = window().webContents;
    fake.listeners.get('events:subscribe')!({ sender: new FakeWebContents(), senderFrame: null }, { topic: 'settings:changed' });
    await fake.handlers.get('settings:set')!(trustedEvent(), { theme: 'dark' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(contents.sent).toHaveLength(0);

    fake.listeners.get('events:subscribe')!(trustedEvent(), { topic: 'settings:changed' });
    await fake.handlers.get('settings:set')!(trustedEvent(), { theme: 'light' });
    await vi.waitFor(() => expect(contents.sent).toHaveLength(1));
    expect(contents.sent[0]).toMatchObject({ channel: 'events:batch', args: [[{ topic: 'settings:changed', payload: { theme: 'light' } }]] });
  });

  it('denies new windows, sending http(s) links to the system browser and nothing else', async () => {
    const contents = new FakeWebContents();
    fake.appEvents.emit('web-contents-created', {}, contents);
    for (const url of ['https://docs.aws.amazon.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/']) {
      expect(contents.windowOpenHandler!({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(fake.electron.shell.openExternal).toHaveBeenCalledTimes(1);
    expect(fake.electron.shell.openExternal).toHaveBeenCalledWith('https://docs.aws.amazon.com/');
  });

  it('prevents navigation, redirects and webviews', () => {
    const contents = new FakeWebContents();
    fake.appEvents.emit('web-contents-created', {}, contents);
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const preventDefault = vi.fn();
      contents.emit(event, { preventDefault }, 'https://attacker.example/');
      expect(preventDefault, event).toHaveBeenCalledTimes(1);
    }
  });

  it('denies every permission request and check, and sends a CSP header', () => {
    const answers: boolean[] = [];
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      fake.permissionRequests[0]!({}, permission, (ok) => answers.push(ok));
    }
    expect(answers).toEqual([false, false, false, false]);
    expect(fake.permissionChecks[0]!()).toBe(false);
    let headers: Record<string, string[]> = {};
    fake.headerHooks[0]!({ responseHeaders: {} }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders));
    expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
    expect(headers['Content-Security-Policy']?.[0]).toContain("object-src 'none'");
  });
});
