import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Tunnels } from '../src/main/services/ssh/tunnels.ts';
import { freePort } from '../test/fixtures/free-port.ts';
import { startSshd } from '../test/fixtures/sshd.ts';
import { SshConnections } from '../src/main/services/ssh/connection-manager.ts';
import { KnownHosts } from '../src/main/services/ssh/known-hosts.ts';
import type { Benchmark, Measurement } from './harness.ts';

const BODY = 256 * 1024 * 1024;
const SMALL_REQUESTS = 200;
const ROUNDS = 3;

/** GETs a URL on a fresh connection and drains the body; resolves with its length. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let size = 0;
      res.on('data', (chunk: Buffer) => (size += chunk.length));
      res.on('end', () => resolve(size));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * A web UI reached through a tunnel over SSH to a loopback OpenSSH sshd: our Tunnels (ssh2's
 * direct-tcpip channels over the app's shared connection) against OpenSSH's `ssh -N -L` with
 * the same server, key and destination, interleaved round by round. Two loads: one 256 MiB page
 * (throughput) and 200 small pages one after another, each on a new connection (what a browser
 * opening a UI does: every connection is a new channel).
 */
const benchmark: Benchmark = {
  name: 'tunnel',
  async run(): Promise<Measurement[]> {
    const sshd = await startSshd();
    const page = randomBytes(1024 * 1024);
    const ui = createServer((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'Content-Length': BODY });
        let sent = 0;
        const more = () => {
          while (sent < BODY) {
            sent += page.length;
            if (!res.write(page)) return void res.once('drain', more);
          }
          res.end();
        };
        return more();
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => ui.listen(0, '127.0.0.1', () => resolve()));
    const uiPort = (ui.address() as AddressInfo).port;
    // The app's connections, configured as a user would: an ssh_config alias and a trusted host key.
    const dir = join(sshd.dir, 'client');
    await mkdir(dir);
    await writeFile(join(dir, 'ssh_config'), `Host box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.privateKeyPath}\n`);
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    const connections = new SshConnections({
      knownHosts: new KnownHosts(join(dir, 'known_hosts')),
      configSources: () => [{ path: join(dir, 'ssh_config'), includeBase: dir }],
      onState: () => {},
      onHostKey: () => {},
      env: {},
    });
    const tunnels = new Tunnels((workerId) => connections.client({ workerId, host: 'box' }));
    const ours = await tunnels.open({ workerId: 'ssh-benchbox', remoteHost: '127.0.0.1', remotePort: uiPort });

    const knownHosts = join(sshd.dir, 'known_hosts');
    await writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostPublicKey}\n`);
    const openSshPort = await freePort();
    const openSsh = spawn(
      'ssh',
      ['-N', '-i', sshd.privateKeyPath, '-p', String(sshd.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${openSshPort}:127.0.0.1:${uiPort}`, `${sshd.username}@${sshd.host}`],
      { stdio: 'ignore' },
    );
    try {
      const anchorUrl = `http://127.0.0.1:${openSshPort}/`;
      for (let tries = 0; ; tries++) {
        if (await get(anchorUrl).then(() => true, () => false)) break;
        if (tries > 100) throw new Error('ssh -L did not open its port within 10 s');
        await sleep(100);
      }
      const times = { big: [] as number[], bigAnchor: [] as number[], small: [] as number[], smallAnchor: [] as number[] };
      await get(`${ours.url}big`);
      await get(`${anchorUrl}big`);
      for (let round = 0; round < ROUNDS; round++) {
        times.big.push(await seconds(async () => (await get(`${ours.url}big`)) === BODY || Promise.reject(new Error('short body through ours'))));
        times.bigAnchor.push(await seconds(async () => (await get(`${anchorUrl}big`)) === BODY || Promise.reject(new Error('short body through ssh -L'))));
        // Page by page, ours and the anchor in turn, so that load from other work hits both alike.
        let small = 0;
        let smallAnchor = 0;
        for (let i = 0; i < SMALL_REQUESTS; i++) {
          small += await seconds(() => get(ours.url));
          smallAnchor += await seconds(() => get(anchorUrl));
        }
        times.small.push(small);
        times.smallAnchor.push(smallAnchor);
      }
      const mibps = (s: number) => `${(BODY / 1024 / 1024 / s).toFixed(0)} MiB/s`;
      return [
        { name: 'tunnel-256mib', ours: median(times.big), anchor: median(times.bigAnchor), note: `ours ${mibps(median(times.big))}, ssh -L ${mibps(median(times.bigAnchor))}` },
        { name: `tunnel-${SMALL_REQUESTS}-pages`, ours: median(times.small), anchor: median(times.smallAnchor), note: 'each page on a new connection' },
      ];
    } finally {
      openSsh.kill();
      tunnels.closeAll();
      connections.closeAll();
      ui.close();
      await sshd.stop();
    }
  },
};

export default benchmark;
