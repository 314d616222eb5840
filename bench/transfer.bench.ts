import { execFile, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import nodeFlags from '../bin/node-flags.json';
import { startSshd, type Sshd } from '../test/fixtures/sshd.ts';
import type { Benchmark, Measurement } from './harness.ts';
import type { Endpoint, TransferReply, TransferRequest } from './transfer-ours.ts';

const run = promisify(execFile);
const SIZE = 512 * 1024 * 1024;
const DATA = resolve('.bench/transfer-512mib.bin');
/** A folder of many small files: what per-file costs (round trips, verification) add up to. */
const FOLDER = resolve('.bench/transfer-folder-300');
const FOLDER_FILES = 300;
const FOLDER_FILE_SIZE = 64 * 1024;
const ROUNDS = 3;

/**
 * 512 MiB of random bytes up and down over SFTP to a loopback OpenSSH sshd: our transfer engine
 * against OpenSSH `scp` with the same server, file and pinned host key, interleaved round by
 * round so that load from other work on the machine hits both alike. Ours includes end-to-end
 * verification (SHA-256 here, on a thread beside the upload or while a download streams, and on
 * the worker by the connection's hashing service, which follows an upload as it lands); the
 * unverified time is printed for information.
 *
 * Our side runs in a child node process started with the product's V8 flags (bin/node-flags.json,
 * the flags bin/workbench.js, scripts/start.mjs and `npm run web` start node with), so the ratio is
 * the product's, not this harness's. TRANSFER_BENCH_NODE_FLAGS (space-separated, may be empty)
 * replaces them to measure another configuration; the output names the flags used.
 */

async function ensureFolder(): Promise<void> {
  const last = await stat(join(FOLDER, `part-${FOLDER_FILES - 1}.csv`)).catch(() => undefined);
  if (last?.size === FOLDER_FILE_SIZE) return;
  await mkdir(FOLDER, { recursive: true });
  for (let i = 0; i < FOLDER_FILES; i++) await writeFile(join(FOLDER, `part-${i}.csv`), randomBytes(FOLDER_FILE_SIZE));
}

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

function benchFlags(): string[] {
  const override = process.env.TRANSFER_BENCH_NODE_FLAGS;
  return override === undefined ? nodeFlags.flags : override.split(' ').filter((flag) => flag !== '');
}

type OurTimes = Extract<TransferReply, { seconds: number }>;

/** Our transfer engine in its own node process; `transfer` resolves with the seconds it took there. */
async function startOurs(sshd: Sshd, flags: string[]): Promise<{ transfer: (request: TransferRequest) => Promise<OurTimes>; stop: () => void }> {
  const endpoint: Endpoint = { host: sshd.host, port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath, hostPublicKey: sshd.hostPublicKey };
  const child: ChildProcess = fork(fileURLToPath(new URL('./transfer-ours.ts', import.meta.url)), [JSON.stringify(endpoint)], {
    execArgv: ['--import', 'tsx', ...flags],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`our transfer process exited (code ${code})`))));
  exited.catch(() => undefined);
  const reply = <T>(): Promise<T> => Promise.race([new Promise<T>((resolve) => child.once('message', (message) => resolve(message as T))), exited]);
  await reply<'ready'>();
  return {
    async transfer(request) {
      child.send(request);
      const answer = await reply<TransferReply>();
      if ('error' in answer) throw new Error(`our ${request.direction}load failed: ${answer.error}`);
      return answer;
    },
    stop: () => child.disconnect(),
  };
}

/** Writes dirty pages back to disk (GNU coreutils `sync`), so the next transfer does not pay for them. */
async function settle(): Promise<void> {
  await run('sync');
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
    const flags = benchFlags();
    let ours: Awaited<ReturnType<typeof startOurs>> | undefined;
    try {
      const knownHosts = join(sshd.dir, 'known_hosts');
      await writeFile(knownHosts, `[${sshd.host}]:${sshd.port} ${sshd.hostPublicKey}\n`);
      const scpBase = ['-q', '-i', sshd.privateKeyPath, '-P', String(sshd.port), '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
      const at = (path: string): string => `${sshd.username}@${sshd.host}:${path}`;
      ours = await startOurs(sshd, flags);
      const { transfer } = ours;
      const remoteOurs = join(sshd.dir, 'ours.bin');
      const remoteScp = join(sshd.dir, 'scp.bin');
      const times = { up: [] as number[], scpUp: [] as number[], down: [] as number[], scpDown: [] as number[], upRaw: [] as number[], downRaw: [] as number[] };
      // CPU seconds of our process for the verified transfers: steadier than wall time on a busy machine.
      const cpu = { up: [] as number[], down: [] as number[] };
      const fresh = (path: string) => rm(path, { force: true });
      const oursLocal = join(local, 'ours.bin');
      // Round 0 warms the page cache and the connection (and starts the connection's hashing
      // service on the worker, as the first file of a queue does) and is not counted.
      for (let round = 0; round <= ROUNDS; round++) {
        // Each transfer starts with the disk settled: without this, the one that follows a
        // download pays for writing the previous 512 MiB back to disk while it runs.
        await settle();
        const up = await transfer({ direction: 'up', local: DATA, remote: remoteOurs, verify: true });
        await settle();
        const scpUp = await seconds(() => run('scp', [...scpBase, DATA, at(remoteScp)]));
        await fresh(oursLocal);
        await settle();
        const down = await transfer({ direction: 'down', local: oursLocal, remote: remoteOurs, verify: true });
        await fresh(join(local, 'scp.bin'));
        await settle();
        const scpDown = await seconds(() => run('scp', [...scpBase, at(remoteScp), join(local, 'scp.bin')]));
        await settle();
        const upRaw = await transfer({ direction: 'up', local: DATA, remote: remoteOurs, verify: false });
        await fresh(oursLocal);
        await settle();
        const downRaw = await transfer({ direction: 'down', local: oursLocal, remote: remoteOurs, verify: false });
        if (round > 0) {
          const sample = { up: up.seconds, scpUp, down: down.seconds, scpDown, upRaw: upRaw.seconds, downRaw: downRaw.seconds };
          for (const key of Object.keys(times) as Array<keyof typeof times>) times[key].push(sample[key]);
          cpu.up.push(up.cpuSeconds);
          cpu.down.push(down.cpuSeconds);
        }
        await fresh(oursLocal);
        await fresh(join(local, 'scp.bin'));
      }
      const mibps = (s: number): string => `${Math.round(512 / s)} MiB/s`;
      const measure = (direction: 'up' | 'down', ours: number[], anchor: number[], raw: number[], cpuSeconds: number[]): Measurement => ({
        name: `transfer-${direction}-512mib`,
        ours: median(ours),
        anchor: median(anchor),
        note:
          `median of ${ROUNDS}; ours in node ${flags.join(' ') || 'without flags'}, includes SHA-256 verification on both ends, ${mibps(median(ours))}, ` +
          `${median(cpuSeconds).toFixed(2)} s of our CPU; without verification ${median(raw).toFixed(4)} s, ${mibps(median(raw))}; scp ${mibps(median(anchor))}`,
      });
      // The folder: ours (verified, every file) against `scp -r`, each into a folder not there yet.
      await ensureFolder();
      const folder = { ours: [] as number[], scp: [] as number[] };
      for (let round = 0; round <= ROUNDS; round++) {
        await rm(join(sshd.dir, 'folder-ours'), { recursive: true, force: true });
        await rm(join(sshd.dir, 'folder-scp'), { recursive: true, force: true });
        await settle();
        const oursFolder = await transfer({ direction: 'up', local: FOLDER, remote: join(sshd.dir, 'folder-ours'), verify: true });
        await settle();
        const scpFolder = await seconds(() => run('scp', ['-r', ...scpBase, FOLDER, at(join(sshd.dir, 'folder-scp'))]));
        if (round > 0) {
          folder.ours.push(oursFolder.seconds);
          folder.scp.push(scpFolder);
        }
      }
      const perFile = (s: number): string => `${((s / FOLDER_FILES) * 1000).toFixed(1)} ms a file`;
      return [
        measure('up', times.up, times.scpUp, times.upRaw, cpu.up),
        measure('down', times.down, times.scpDown, times.downRaw, cpu.down),
        {
          name: `transfer-up-folder-${FOLDER_FILES}-files`,
          ours: median(folder.ours),
          anchor: median(folder.scp),
          note: `median of ${ROUNDS}; ${FOLDER_FILES} files of ${FOLDER_FILE_SIZE / 1024} KiB, each verified by SHA-256 on both ends: ${perFile(median(folder.ours))}; scp -r ${perFile(median(folder.scp))}`,
        },
      ];
    } finally {
      ours?.stop();
      await rm(local, { recursive: true, force: true });
      await sshd.stop();
    }
  },
};

export default benchmark;
