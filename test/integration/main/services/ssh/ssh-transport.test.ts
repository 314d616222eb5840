import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshConnections } from '../../../../../src/main/services/ssh/connection-manager.ts';
import { SshTransport } from '../../../../../src/main/services/ssh/ssh-transport.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { grantSshAccess, sshConnectionsIn } from '../../../../fixtures/ssh-worker-access.ts';

const sshd = useSshd();
let connections: SshConnections;
let transport: SshTransport;
/** Not a multiple of the server's 255 KiB read limit, so slices end mid-request. */
const data = randomBytes(5 * 1024 * 1024 + 12_345);
let path: string;

beforeAll(async () => {
  const dir = join(sshd.dir, 'client');
  await mkdir(dir);
  await grantSshAccess(dir, sshd);
  connections = sshConnectionsIn(dir);
  transport = new SshTransport(() => connections.client({ workerId: 'ssh-transport', host: 'box' }), join(sshd.dir, 'wb'));
  path = join(sshd.dir, 'log');
  await writeFile(path, data);
});
afterAll(() => connections?.closeAll());

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
