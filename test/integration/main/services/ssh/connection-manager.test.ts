import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { beforeAll, describe, expect, it } from 'vitest';
import { countSshSessions, killSshSessions } from '../../../../fixtures/sshd-sessions.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { grantSshAccess, sshConnectionsIn } from '../../../../fixtures/ssh-worker-access.ts';

const sshd = useSshd();
let dir: string;

beforeAll(async () => {
  dir = join(sshd.dir, 'client');
  await mkdir(dir);
  await grantSshAccess(dir, sshd);
  await writeFile(join(dir, 'ssh_config'), `Host named\n  HostName build-box.corp.example\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.privateKeyPath}\n`, { flag: 'a' });
});

/** A channel that stays open, so that sshd shows the connection as a session. */
function holdSession(client: Client): void {
  client.exec('sleep 300', () => {});
}

describe('SshConnections', () => {
  it('after a drop, uses the connection a caller already reopened instead of opening a second one', async () => {
    const connections = sshConnectionsIn(dir);
    const endpoint = { workerId: 'ssh-drops', host: 'box' };
    try {
      const first = await connections.client(endpoint);
      const dropped = new Promise<void>((resolve) => first.once('close', () => resolve()));
      holdSession(first);
      await expect.poll(() => countSshSessions(sshd), { timeout: 10_000 }).toBe(1);
      const told = new Promise<Client>((resolve) => connections.onReconnect((_id, client) => resolve(client)));
      await killSshSessions(sshd);
      await dropped;
      // A user of the connection (the log follower, a transfer) reconnects before the backoff does.
      const reopened = await connections.client(endpoint);
      holdSession(reopened);
      // The backoff's turn: its listeners hear of that same connection.
      expect(await told).toBe(reopened);
      expect(await connections.client(endpoint)).toBe(reopened);
      // Closing leaves nothing behind on the worker: no connection was opened and forgotten.
      connections.closeAll();
      await expect.poll(() => countSshSessions(sshd), { timeout: 10_000 }).toBe(0);
    } finally {
      connections.closeAll();
    }
  });

  it('with WORKBENCH_LOOPBACK_ONLY=1, refuses a host name from ssh_config before looking it up', async () => {
    expect(process.env['WORKBENCH_LOOPBACK_ONLY']).toBe('1');
    const connections = sshConnectionsIn(dir);
    try {
      await expect(connections.client({ workerId: 'ssh-named', host: 'named' })).rejects.toMatchObject({
        code: 'LOOPBACK_ONLY',
        message: expect.stringMatching(/^Refused to connect to build-box\.corp\.example: it is a host name, and no name but localhost is looked up in this mode/),
      });
    } finally {
      connections.closeAll();
    }
  });
});
