import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnections } from '../../../../../src/main/services/ssh/connection-manager.ts';
import { KnownHosts } from '../../../../../src/main/services/ssh/known-hosts.ts';
import { SshTransport } from '../../../../../src/main/services/ssh/ssh-transport.ts';
import { startSshd, type Sshd } from '../../../../fixtures/sshd.ts';

let sshd: Sshd;
let connections: SshConnections;
let transport: SshTransport;
/** Not a multiple of the server's 255 KiB read limit, so slices end mid-request. */
const data = randomBytes(5 * 1024 * 1024 + 12_345);
let path: string;

beforeAll(async () => {
  sshd = await startSshd();
  const dir = join(sshd.dir, 'client');
  await mkdir(dir);
  await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
  await writeFile(join(dir, 'ssh_config'), `Host box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.privateKeyPath}\n`);
  connections = new SshConnections({
    knownHosts: new KnownHosts(join(dir, 'known_hosts')),
    configSources: () => [{ path: join(dir, 'ssh_config'), includeBase: dir }],
    onState: () => {},
    onHostKey: () => {},
    env: {},
  });
  transport = new SshTransport(() => connections.client({ workerId: 'ssh-transport', host: 'box' }), join(sshd.dir, 'wb'));
  path = join(sshd.dir, 'log');
  await writeFile(path, data);
});
afterAll(async () => {
  connections?.closeAll();
  await sshd?.stop();
});

describe('SshTransport.readFrom', () => {
  it('reads a slice of many requests byte-identical, from any offset', async () => {
    const slice = await transport.readFrom(path, 777, 4 * 1024 * 1024 + 3);
    expect(slice?.size).toBe(data.length);
    expect(slice?.data.equals(data.subarray(777, 777 + 4 * 1024 * 1024 + 3))).toBe(true);
  });

  it('stops at the end of the file, and reads nothing from there', async () => {
    const tail = await transport.readFrom(path, data.length - 300_000, 8 * 1024 * 1024);
    expect(tail?.data.equals(data.subarray(data.length - 300_000))).toBe(true);
    expect((await transport.readFrom(path, data.length, 1024))?.data.length).toBe(0);
  });

  it('says a missing file is missing', async () => {
    expect(await transport.readFrom(join(sshd.dir, 'no such log'), 0, 1024)).toBeUndefined();
  });
});
