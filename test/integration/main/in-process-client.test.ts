import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { withWorkbench } from '../../../src/main/cli-session.ts';
import { inProcessClient } from '../../../src/main/in-process-client.ts';
import { createWorkbench, type Workbench } from '../../../src/main/workbench.ts';
import { EVENT_FRAME_MS } from '../../../src/shared/contract.ts';
import { RemoteError } from '../../../src/shared/errors.ts';
import { DEFAULT_SETTINGS, type Settings } from '../../../src/shared/model.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';

const paths = { rendererDir: resolve('out/renderer'), resourcesDir: resolve('resources') };

describe('the typed client on a core in this process (the CLI and the tests use it)', () => {
  it('makes calls through the dispatcher: values as the contract says, refusals as RemoteError', async () => {
    const root = await useTempDir('in-process-client');
    const workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'cli', resourcesDir: paths.resourcesDir });
    const client = inProcessClient(workbench);
    try {
      expect((await client.call('settings:set', { theme: 'dark' })).theme).toBe('dark');
      expect((await client.call('app:info')).host).toBe('cli');
      // @ts-expect-error jobs:get takes { runId }: the contract's input type refuses this before it runs.
      const refused = client.call('jobs:get', { id: '20261207-031500-a1b2c3' });
      await expect(refused).rejects.toBeInstanceOf(RemoteError);
      await expect(refused).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/^jobs:get: /) });
      await expect(client.call('jobs:get', { runId: '20261207-031500-a1b2c3' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      client.close();
      await workbench.close();
    }
  });

  it('delivers the events it subscribed to, typed, until it is closed', async () => {
    const root = await useTempDir('in-process-client-events');
    const workbench = await createWorkbench({ dataDir: join(root, 'app'), host: 'cli', resourcesDir: paths.resourcesDir });
    const client = inProcessClient(workbench);
    try {
      const seen: Settings['theme'][] = [];
      client.subscribe('settings:changed', (settings) => seen.push(settings.theme));
      await client.call('settings:set', { theme: 'dark' });
      await expect.poll(() => seen).toEqual(['dark']);
      client.close();
      await client.call('settings:set', { theme: 'light' });
      await delay(EVENT_FRAME_MS * 5);
      expect(seen).toEqual(['dark']);
    } finally {
      client.close();
      await workbench.close();
    }
  });

  it('withWorkbench ends the command’s subscriptions when the command fails, and passes the failure on', async () => {
    const root = await useTempDir('with-workbench');
    let seen = 0;
    let core: Workbench | undefined;
    const failed = withWorkbench({ dataDir: join(root, 'app'), paths }, async (client, workbench) => {
      core = workbench;
      client.subscribe('settings:changed', () => seen++);
      await client.call('schedules:history', { name: 'nope' });
      return 0;
    });
    await expect(failed).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'There is no schedule named nope.' });
    // The subscription ended with the command: an event sent now reaches no one.
    core!.bus.emit('settings:changed', DEFAULT_SETTINGS);
    await delay(EVENT_FRAME_MS * 5);
    expect(seen).toBe(0);
  });
});
