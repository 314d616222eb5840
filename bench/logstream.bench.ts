import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBus } from '../src/main/bus.ts';
import { EventHub } from '../src/main/events.ts';
import { Follower } from '../src/main/services/jobs/follower.ts';
import { launchRun } from '../src/main/services/jobs/job-protocol.ts';
import { SshConnections } from '../src/main/services/ssh/connection-manager.ts';
import { KnownHosts } from '../src/main/services/ssh/known-hosts.ts';
import { SshTransport } from '../src/main/services/ssh/ssh-transport.ts';
import type { LogChunk, Run } from '../src/shared/model.ts';
import { startSshd } from '../test/fixtures/sshd.ts';
import type { Benchmark } from './harness.ts';

const LINES = 2_000_000;
const ROUNDS = 3;

/**
 * A remote process printing 2,000,000 lines: the time until every line has reached an event
 * subscriber (the UI's stream: detached run, log file followed over SFTP by byte offset,
 * batched events), against `ssh host seq ... > /dev/null` in the same run. Ours starts at the
 * launch of the detached run (the connection is open, as in the app); ssh's includes its
 * connecting, as a user typing that command would pay it.
 */
const benchmark: Benchmark = {
  name: 'logstream',
  async run() {
    const sshd = await startSshd();
    const dir = join(sshd.dir, 'bench');
    await mkdir(dir);
    const knownHostsFile = join(dir, 'known_hosts');
    await writeFile(knownHostsFile, `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}\n`);
    await writeFile(join(dir, 'ssh_config'), `Host box\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.username}\n  IdentityFile ${sshd.privateKeyPath}\n`);
    const connections = new SshConnections({
      knownHosts: new KnownHosts(knownHostsFile),
      configSources: () => [{ path: join(dir, 'ssh_config'), includeBase: dir }],
      onState: () => {},
      onHostKey: () => {},
      env: {},
    });
    try {
      const endpoint = { workerId: 'ssh-bench000', host: 'box' };
      const transport = new SshTransport(() => connections.client(endpoint), join(dir, 'wb'));
      await transport.mkdir(transport.root);
      await transport.exec(['cp', join(process.cwd(), 'resources/worker/launch.sh'), transport.root]);

      const anchorOnce = async (): Promise<number> => {
        const start = process.hrtime.bigint();
        await promisify(execFile)('sh', [
          '-c',
          'ssh -q -p "$1" -i "$2" -o UserKnownHostsFile="$3" -o StrictHostKeyChecking=yes -o BatchMode=yes "$4"@127.0.0.1 seq 1 "$5" > /dev/null',
          'ssh',
          String(sshd.port),
          sshd.privateKeyPath,
          knownHostsFile,
          sshd.username,
          String(LINES),
        ]);
        return Number(process.hrtime.bigint() - start) / 1e9;
      };

      // As the workbench wires them: the follower emits on the bus, which feeds the transports' hub.
      const hub = new EventHub();
      const bus = new EventBus();
      bus.onEvery((event) => hub.publish(event));
      const oursOnce = async (round: number): Promise<number> => {
        let lines = 0;
        const runId = `20261129-00000${round}-b0b0b0`;
        const runDir = join(transport.root, 'runs', runId);
        await transport.mkdir(runDir);
        const done = new Promise<void>((resolve) => {
          const subscriber = hub.connect((batch) => {
            for (const event of batch) {
              const chunk = event.payload as LogChunk;
              for (let i = chunk.text.indexOf('\n'); i >= 0; i = chunk.text.indexOf('\n', i + 1)) lines++;
              if (chunk.done) {
                subscriber.close();
                resolve();
              }
            }
          });
          subscriber.subscribe({ topic: 'jobs:log', key: runId });
        });
        const start = process.hrtime.bigint();
        await launchRun(transport, transport.root, runDir, 600, ['seq', '1', String(LINES)]);
        const run = { id: runId } as Run;
        const follower = new Follower(run, transport, 0, 200, {
          chunk: (chunk) => bus.emit('jobs:log', chunk, runId),
          progress: () => {},
          ended: async () => {},
          unreachable: () => {},
          reachable: () => {},
        });
        follower.start();
        await done;
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        if (lines !== LINES) throw new Error(`${lines} lines arrived, not ${LINES}`);
        return seconds;
      };

      // Interleaved round by round, so that load from other work on the machine hits both alike;
      // round 0 warms up (page cache, the SFTP channel) and is not counted.
      const ours: number[] = [];
      const anchor: number[] = [];
      for (let round = 0; round <= ROUNDS; round++) {
        const a = await anchorOnce();
        const o = await oursOnce(round);
        if (round > 0) {
          anchor.push(a);
          ours.push(o);
        }
      }
      const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      return [
        {
          name: 'logstream-2m-lines',
          ours: median(ours),
          anchor: median(anchor),
          note: `median of ${ROUNDS}; ${Math.round(LINES / median(ours)).toLocaleString('en')} lines/s to the subscriber; ratio = our time / ssh's`,
        },
      ];
    } finally {
      connections.closeAll();
      await sshd.stop();
    }
  },
};

export default benchmark;
