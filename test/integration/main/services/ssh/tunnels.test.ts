import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tunnel } from '../../../../../src/shared/tunnel-model.ts';
import { useSshd } from '../../../../fixtures/server-hooks.ts';
import { useWorkbenchWithSshWorker } from '../../../../fixtures/ssh-worker-access.ts';
import { freePort } from '../../../../fixtures/free-port.ts';

const sshd = useSshd();
const { worker, workbench } = useWorkbenchWithSshWorker(sshd, 'wb-tunnels-');

/** A web UI that only the worker's side can reach (here: a port on this machine's loopback). */
let ui: Server;
let uiPort: number;
beforeAll(async () => {
  ui = createServer((req, res) => res.end(`ResourceManager page for ${req.url}`));
  await new Promise<void>((resolve) => ui.listen(0, '127.0.0.1', () => resolve()));
  uiPort = (ui.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => ui.close(() => resolve())));

async function open(request: Record<string, unknown>): Promise<Tunnel> {
  const answer = await workbench.dispatch('tunnels:open', request);
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.value as Tunnel;
}

describe('tunnels to what a worker serves', () => {
  it("opens a port on 127.0.0.1 whose pages come from the worker's side, once per destination, and closes it", async () => {
    const tunnel = await open({ workerId: worker.id, remoteHost: '127.0.0.1', remotePort: uiPort, label: 'YARN' });
    expect(tunnel.url).toBe(`http://127.0.0.1:${tunnel.localPort}/`);
    expect(tunnel.localPort).not.toBe(uiPort);
    const page = await fetch(`${tunnel.url}cluster/apps`);
    expect(await page.text()).toBe('ResourceManager page for /cluster/apps');
    // Several requests at once, each its own forwarded connection.
    const pages = await Promise.all([1, 2, 3, 4].map(async (n) => (await fetch(`${tunnel.url}app/${n}`, { headers: { Connection: 'close' } })).text()));
    expect(pages).toEqual([1, 2, 3, 4].map((n) => `ResourceManager page for /app/${n}`));

    expect(await open({ workerId: worker.id, remoteHost: '127.0.0.1', remotePort: uiPort, label: 'YARN' })).toEqual(tunnel);
    const listed = await workbench.dispatch('tunnels:list', {});
    expect(listed.ok && listed.value).toEqual([tunnel]);

    const closed = await workbench.dispatch('tunnels:close', { id: tunnel.id });
    expect(closed.ok).toBe(true);
    await expect(fetch(tunnel.url)).rejects.toThrow();
    const after = await workbench.dispatch('tunnels:list', {});
    expect(after.ok && after.value).toEqual([]);
  });

  it('says plainly when nothing listens at the destination, and opens no port', async () => {
    const nothing = await freePort();
    const answer = await workbench.dispatch('tunnels:open', { workerId: worker.id, remoteHost: '127.0.0.1', remotePort: nothing });
    expect(answer.ok).toBe(false);
    if (answer.ok) return;
    expect(answer.error.message).toMatch(new RegExp(`^The worker could not open 127\\.0\\.0\\.1:${nothing} \\(.+\\): nothing listens there yet, or its SSH server does not allow forwarding`));
    const listed = await workbench.dispatch('tunnels:list', {});
    expect(listed.ok && listed.value).toEqual([]);
  });

  it('refuses a bad port or a host that could pass as an option, naming what to fix', async () => {
    const port = await workbench.dispatch('tunnels:open', { workerId: worker.id, remotePort: 70_000 });
    expect(port.ok || port.error.message).toMatch(/remotePort: a port from 1 to 65535/);
    const host = await workbench.dispatch('tunnels:open', { workerId: worker.id, remoteHost: '-oProxyCommand=x', remotePort: 80 });
    expect(host.ok || host.error.message).toMatch(/remoteHost: a host may not start with "-"/);
  });

  it('closes the tunnels of a worker that is disconnected', async () => {
    const tunnel = await open({ workerId: worker.id, remoteHost: '127.0.0.1', remotePort: uiPort });
    expect((await fetch(tunnel.url)).status).toBe(200);
    const disconnected = await workbench.dispatch('workers:disconnect', { workerId: worker.id });
    expect(disconnected.ok).toBe(true);
    await expect(fetch(tunnel.url)).rejects.toThrow();
    const listed = await workbench.dispatch('tunnels:list', {});
    expect(listed.ok && listed.value).toEqual([]);
  });
});
