import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CALL_NAMES } from '../../../src/shared/contract.ts';
import type { Channel } from '../../../src/shared/rpc-client.ts';

const exposed = new Map<string, unknown>();
const invoke = vi.fn(async (..._args: unknown[]) => ({ ok: true, value: 'from main' }));
const send = vi.fn();
const rendererListeners = new Map<string, (event: unknown, ...args: unknown[]) => void>();

const getPathForFile = vi.fn((file: File) => `/dropped/${file.name}`);

vi.mock('electron', () => ({
  webUtils: { getPathForFile: (file: File) => getPathForFile(file) },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke,
    send,
    on: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => rendererListeners.set(channel, listener),
  },
}));

describe('the preload bridge', () => {
  let bridge: Channel;
  beforeAll(async () => {
    await import('../../../src/preload/index.ts');
    bridge = exposed.get('workbench') as Channel;
  });

  it('exposes window.workbench and nothing else, with no raw ipcRenderer inside', () => {
    expect([...exposed.keys()]).toEqual(['workbench']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvents', 'pathForFile', 'subscribe', 'unsubscribe']);
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/ipc/i);
  });

  it('forwards each contract call on its own channel', async () => {
    for (const name of CALL_NAMES) {
      invoke.mockClear();
      await expect(bridge.invoke(name, { x: 1 })).resolves.toEqual({ ok: true, value: 'from main' });
      expect(invoke).toHaveBeenCalledWith(name, { x: 1 });
    }
  });

  it('refuses names outside the contract without touching IPC', async () => {
    invoke.mockClear();
    for (const name of ['events:batch', 'constructor', '__proto__', 'toString', 'ELECTRON_BROWSER_REQUIRE', '']) {
      const result = await bridge.invoke(name, undefined);
      expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('subscribes only to contract topics and hands event batches to the one receiver', () => {
    bridge.subscribe({ topic: 'settings:changed' });
    bridge.subscribe({ topic: 'not:a-topic' });
    bridge.unsubscribe({ topic: 'also:not' });
    expect(send.mock.calls).toEqual([['events:subscribe', { topic: 'settings:changed', key: undefined }]]);

    const batches: unknown[] = [];
    bridge.onEvents((batch) => batches.push(batch));
    rendererListeners.get('events:batch')!({}, [{ topic: 'settings:changed', payload: 1 }]);
    expect(batches).toEqual([[{ topic: 'settings:changed', payload: 1 }]]);
  });

  it('gives the disk path of a dropped File, and nothing for anything else', () => {
    const pathForFile = (bridge as Channel & { pathForFile(file: unknown): string }).pathForFile;
    expect(pathForFile(new File(['x'], 'data.csv'))).toBe('/dropped/data.csv');
    getPathForFile.mockClear();
    expect(pathForFile({ name: 'not a file', path: '/etc/passwd' })).toBe('');
    expect(getPathForFile).not.toHaveBeenCalled();
  });
});
