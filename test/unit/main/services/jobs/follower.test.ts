import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../../../src/shared/errors.ts';
import type { LogChunk, Run } from '../../../../../src/shared/model.ts';
import { Follower } from '../../../../../src/main/services/jobs/follower.ts';
import { LocalTransport } from '../../../../../src/main/services/workers/local.ts';
import type { Transport } from '../../../../../src/main/services/workers/transport.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const RUN_ID = '20261129-100000-abcdef';

/** A finished run's folder on this computer: its log and its exit code. */
async function finishedRun(log: string): Promise<LocalTransport> {
  const root = await useTempDir('follower');
  const runDir = join(root, 'runs', RUN_ID);
  await mkdir(runDir, { recursive: true });
  await writeFile(join(runDir, 'log'), log);
  await writeFile(join(runDir, 'exit'), '0\n');
  return new LocalTransport(root);
}

/** The real transport, except that its first `failures` reads fail as a dropped connection does. */
function droppingFirst(transport: Transport, failures: number): Transport {
  let left = failures;
  return new Proxy(transport, {
    get(target, name, receiver) {
      if (name !== 'readFrom') return Reflect.get(target, name, receiver);
      return (path: string, offset: number, limit: number) =>
        left-- > 0 ? Promise.reject(new WorkbenchError('UNAVAILABLE', 'The connection to the worker dropped.')) : target.readFrom(path, offset, limit);
    },
  });
}

/** Follows the run to its end; returns what the listener heard, in order. */
function followToEnd(transport: Transport): Promise<{ heard: string[]; text: string }> {
  const heard: string[] = [];
  let text = '';
  return new Promise((resolve) => {
    const follower = new Follower({ id: RUN_ID } as Run, transport, 0, 1, {
      chunk: (chunk: LogChunk) => {
        heard.push(chunk.done ? 'done' : 'chunk');
        text += chunk.text;
      },
      progress: () => heard.push('progress'),
      ended: async () => {
        heard.push('ended');
        resolve({ heard, text });
      },
      unreachable: () => heard.push('unreachable'),
      reachable: () => heard.push('reachable'),
    });
    follower.start();
  });
}

describe('Follower', () => {
  it('says the worker is reachable again before it hands on the end of the run', async () => {
    // A listener that records the run on `reachable` must not do so after the run ended: that
    // stale record (still running) would replace the finished one (the run looked running forever).
    const { heard, text } = await followToEnd(droppingFirst(await finishedRun('one\ntwo\n'), 2));
    expect(heard).toEqual(['unreachable', 'reachable', 'chunk', 'done', 'ended']);
    expect(text).toBe('one\ntwo\n');
  });

});
