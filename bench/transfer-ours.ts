import { readFile } from 'node:fs/promises';
import { Client } from 'ssh2';
import { coalesceWrites } from '../src/main/services/net/coalesce-writes.ts';
import { connectGuarded } from '../src/main/services/net/loopback.ts';
import { RECOMMENDED_ALGORITHMS, SftpSession, runTransfer } from '../src/main/services/ssh/transfers/index.ts';

/**
 * Our side of bench/transfer.bench.ts, run in its own node process so that it measures the
 * product's V8 configuration (the bench starts it with bin/node-flags.json's flags) and not
 * the bench harness's. The parent sends one request per transfer over the IPC channel and gets
 * back the seconds it took here.
 */

export interface Endpoint {
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  /** `type base64` of the server's host key: the only key accepted. */
  hostPublicKey: string;
}

/** A file or a folder (with everything in it), either way. */
export interface TransferRequest {
  direction: 'up' | 'down';
  local: string;
  remote: string;
  verify: boolean;
}

/** Wall-clock seconds, and the CPU seconds this process spent (user + system) meanwhile. */
export type TransferReply = { seconds: number; cpuSeconds: number } | { error: string };

async function connect(endpoint: Endpoint): Promise<Client> {
  const sock = await connectGuarded(endpoint.host, endpoint.port, { timeoutMs: 10_000 });
  const expected = Buffer.from(endpoint.hostPublicKey.split(' ')[1] ?? '', 'base64');
  const privateKey = await readFile(endpoint.privateKeyPath, 'utf8');
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve).once('error', reject);
    client.connect({
      sock: coalesceWrites(sock),
      username: endpoint.username,
      privateKey,
      hostVerifier: (key: Buffer) => key.equals(expected),
      algorithms: RECOMMENDED_ALGORITHMS,
    });
  });
  // As the connection manager does (see RECOMMENDED_ALGORITHMS), as is coalesceWrites.
  client.setNoDelay(true);
  return client;
}

async function serve(endpoint: Endpoint): Promise<void> {
  const client = await connect(endpoint);
  const session = await SftpSession.open(client);
  // One transfer at a time, as the parent waits for each reply.
  process.on('message', (request: TransferRequest) => {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    // The queue's own path: a file or a whole folder, an existing destination overwritten.
    const transfer = runTransfer(
      session,
      request.direction === 'up'
        ? { direction: 'upload', localPath: request.local, remotePath: request.remote }
        : { direction: 'download', localPath: request.local, remotePath: request.remote },
      { verify: request.verify, resolveConflict: async () => 'overwrite' },
    );
    transfer.then(
      () => {
        const used = process.cpuUsage(cpu);
        process.send!({ seconds: Number(process.hrtime.bigint() - start) / 1e9, cpuSeconds: (used.user + used.system) / 1e6 } satisfies TransferReply);
      },
      (err: unknown) => process.send!({ error: err instanceof Error ? err.message : String(err) } satisfies TransferReply),
    );
  });
  process.once('disconnect', () => {
    session.close();
    client.end();
  });
  process.send!('ready');
}

if (process.send !== undefined) {
  serve(JSON.parse(process.argv[2] ?? '{}') as Endpoint).catch((err: unknown) => {
    console.error(`transfer bench child: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
