import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ssh2';
import { connectGuarded } from '../src/main/services/net/loopback.ts';
import { RECOMMENDED_ALGORITHMS, SftpSession, downloadFile, uploadFile } from '../src/main/services/ssh/transfers/index.ts';
import { startSshd, type Sshd } from '../test/fixtures/sshd.ts';
import type { Benchmark, Measurement } from './harness.ts';

const run = promisify(execFile);
const SIZE = 512 * 1024 * 1024;
const DATA = resolve('.bench/transfer-512mib.bin');
const ROUNDS = 3;

/**
 * 512 MiB of random bytes up and down over SFTP to a loopback OpenSSH sshd: our transfer engine
 * against OpenSSH `scp` with the same server, file and pinned host key, interleaved round by
 * round so that load from other work on the machine hits both alike. Ours includes end-to-end
 * verification (SHA-256 here while streaming, and on the worker: at this size a Python hashlib
 * hasher that runs alongside the transfer); the unverified time is printed for information.
 */

async function ensureData(): Promise<void> {
  const existing = await stat(DATA).catch(() => undefined);
  if (existing?.size === SIZE) return;
  await mkdir(resolve('.bench'), { recursive: true });
  const temp = `${DATA}.tmp`;
  const file = await open(temp, 'w');
  try {
    for (let written = 0; written < SIZE; written += 8 * 1024 * 1024) await file.write(randomBytes(8 * 1024 * 1024));
  } finally {
    await file.close();
  }
  await rename(temp, DATA);
}

async function connect(sshd: Sshd): Promise<Client> {
  const sock = await connectGuarded(sshd.host, sshd.port, { timeoutMs: 10_000 });
  const expected = Buffer.from(sshd.hostPublicKey.split(' ')[1] ?? '', 'base64');
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({
      sock,
      username: sshd.username,
      privateKey: sshd.privateKey,
      hostVerifier: (key: Buffer) => key.equals(expected),
      algorithms: RECOMMENDED_ALGORITHMS,
    });
  });
  // As recommended for the connection manager (see RECOMMENDED_ALGORITHMS).
  client.setNoDelay(true);
  return client;
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const benchmark: Benchmark = {
  name: 'transfer',
  async run() {
    await ensureData();
    const sshd = await startSshd();
    const local = await mkdtemp(join(tmpdir(), 'workbench-bench-transfer-'));
    let client: Client | undefined;
    try {
      const knownHosts = join(sshd.dir, 'known_hosts');
      await writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostPublicKey}\n`);
      const scpBase = ['-q', '-i', sshd.privateKeyPath, '-P', String(sshd.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
      const at = (path: string): string => `${sshd.username}@${sshd.host}:${path}`;
      client = await connect(sshd);
      const session = await SftpSession.open(client);
      const remoteOurs = join(sshd.dir, 'ours.bin');
      const remoteScp = join(sshd.dir, 'scp.bin');
      const times = { up: [] as number[], scpUp: [] as number[], down: [] as number[], scpDown: [] as number[], upRaw: [] as number[], downRaw: [] as number[] };
      const fresh = (path: string) => rm(path, { force: true });
      // Round 0 warms the page cache and the connection and is not counted.
      for (let round = 0; round <= ROUNDS; round++) {
        const sample = {
          up: await seconds(() => uploadFile(session, DATA, remoteOurs)),
          scpUp: await seconds(() => run('scp', [...scpBase, DATA, at(remoteScp)])),
          down: await seconds(async () => {
            await fresh(join(local, 'ours.bin'));
            await downloadFile(session, remoteOurs, join(local, 'ours.bin'));
          }),
          scpDown: await seconds(async () => {
            await fresh(join(local, 'scp.bin'));
            await run('scp', [...scpBase, at(remoteScp), join(local, 'scp.bin')]);
          }),
          upRaw: await seconds(() => uploadFile(session, DATA, remoteOurs, { verify: false })),
          downRaw: await seconds(() => downloadFile(session, remoteOurs, join(local, 'ours.bin'), { verify: false })),
        };
        if (round > 0) for (const key of Object.keys(times) as Array<keyof typeof times>) times[key].push(sample[key]);
        await fresh(join(local, 'ours.bin'));
        await fresh(join(local, 'scp.bin'));
      }
      session.close();
      const mibps = (s: number): string => `${Math.round(512 / s)} MiB/s`;
      const measure = (direction: 'up' | 'down', ours: number[], anchor: number[], raw: number[]): Measurement => ({
        name: `transfer-${direction}-512mib`,
        ours: median(ours),
        anchor: median(anchor),
        note:
          `median of ${ROUNDS}; ours includes SHA-256 verification on both ends, ${mibps(median(ours))}; ` +
          `without verification ${median(raw).toFixed(4)} s, ${mibps(median(raw))}; scp ${mibps(median(anchor))}`,
      });
      return [measure('up', times.up, times.scpUp, times.upRaw), measure('down', times.down, times.scpDown, times.downRaw)];
    } finally {
      client?.end();
      await rm(local, { recursive: true, force: true });
      await sshd.stop();
    }
  },
};

export default benchmark;
