import { describe, expect, it, vi } from 'vitest';
import { WorkbenchError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS } from '../../../src/shared/model.ts';
import { createDispatcher, type Handlers } from '../../../src/main/rpc.ts';

const info = { name: 'Analysis Workbench', version: '1', dataDir: '/d', host: 'web', platform: 'linux', notices: [] } as const;

/** The calls these tests make; the others are never reached. */
function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'app:info': () => ({ ...info, notices: [] }),
    'settings:get': () => DEFAULT_SETTINGS,
    'settings:set': (patch) => ({ ...DEFAULT_SETTINGS, ...patch }),
    ...overrides,
  } as Handlers;
}

describe('createDispatcher', () => {
  it('answers a valid call with its value', async () => {
    const dispatch = createDispatcher(handlers());
    await expect(dispatch('settings:set', { theme: 'dark' })).resolves.toEqual({ ok: true, value: { ...DEFAULT_SETTINGS, theme: 'dark' } });
  });

  it('refuses names outside the contract, including prototype keys', async () => {
    const dispatch = createDispatcher(handlers());
    for (const name of ['nope:nope', 'constructor', '__proto__', 'toString', 42, null]) {
      const result = await dispatch(name, undefined);
      expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CALL', retryable: false } });
    }
  });

  it('never lets unchecked input reach a handler, and says which field is wrong', async () => {
    const set = vi.fn();
    const dispatch = createDispatcher(handlers({ 'settings:set': set }));
    const cases: [unknown, RegExp][] = [
      [{ theme: 'sepia' }, /theme/],
      [{ workerLifetimeHours: 25 }, /workerLifetimeHours/],
      [{ regions: ['us-east-1; rm -rf /'] }, /regions\.0/],
      [{ unknownKey: true }, /unknownKey|Unrecognized/],
      ['a string', /input/],
    ];
    for (const [input, field] of cases) {
      const result = await dispatch('settings:set', input);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('BAD_INPUT');
        expect(result.error.message).toMatch(field);
      }
    }
    expect(set).not.toHaveBeenCalled();
  });

  it('turns thrown errors into {code, message, retryable}, never an exception', async () => {
    const dispatch = createDispatcher(
      handlers({
        'settings:get': () => {
          throw new WorkbenchError('UNAVAILABLE', 'The disk is busy; try again.');
        },
        'app:info': () => {
          throw new TypeError('boom');
        },
      }),
    );
    await expect(dispatch('settings:get', undefined)).resolves.toEqual({
      ok: false,
      error: { code: 'UNAVAILABLE', message: 'The disk is busy; try again.', retryable: true },
    });
    await expect(dispatch('app:info', undefined)).resolves.toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'Unexpected error: boom', retryable: false },
    });
  });

  it('checks answers on the way out', async () => {
    const dispatch = createDispatcher(handlers({ 'settings:get': () => ({ theme: 'purple' }) as never }));
    await expect(dispatch('settings:get', undefined)).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
