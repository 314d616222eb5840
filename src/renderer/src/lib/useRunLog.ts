import { useEffect, useMemo } from 'react';
import type { LogChunk } from '../../../shared/model.ts';
import type { WorkbenchClient } from '../../../shared/rpc-client.ts';
import { LogBuffer } from './log-buffer.ts';
import { useClient, useConnectionState } from '../api/context.tsx';
import { LogCursor } from './log-cursor.ts';

/**
 * One run's log kept in a LogBuffer: read from the start, then live events; any gap (a
 * dropped connection, events missed while reading) is filled by reading from the cursor, so
 * each byte is shown once and in order.
 */
class RunLogSession {
  readonly buffer = new LogBuffer();
  private readonly cursor = new LogCursor();
  private reading: Promise<void> = Promise.resolve();
  private client: WorkbenchClient | undefined;
  private generation = 0;

  constructor(private readonly runId: string) {}

  /** Subscribes and catches up; returns the function that stops it. */
  start(client: WorkbenchClient): () => void {
    this.client = client;
    const generation = ++this.generation;
    const unsubscribe = client.subscribe('jobs:log', (chunk) => this.take(chunk), this.runId);
    this.catchUp();
    return () => {
      if (this.generation === generation) this.generation++;
      unsubscribe();
    };
  }

  catchUp(): void {
    const client = this.client;
    const generation = this.generation;
    if (!client) return;
    this.reading = this.reading.then(async () => {
      for (;;) {
        if (generation !== this.generation) return;
        const chunk = await client.call('jobs:log', { runId: this.runId, offset: this.cursor.offset }).catch(() => undefined);
        if (!chunk || generation !== this.generation) return;
        const before = this.cursor.offset;
        this.take(chunk);
        if (chunk.done || this.cursor.offset === before) return;
      }
    });
  }

  private take(chunk: LogChunk): void {
    const step = this.cursor.accept(chunk);
    if (step.kind === 'append') {
      if (step.text) this.buffer.append(step.text);
      if (step.done) this.buffer.end();
    } else if (step.kind === 'gap') {
      this.catchUp();
    }
  }
}

export function useRunLog(runId: string | undefined): LogBuffer | undefined {
  const client = useClient();
  const connection = useConnectionState();
  const session = useMemo(() => (runId ? new RunLogSession(runId) : undefined), [runId]);

  useEffect(() => session?.start(client), [client, session]);

  // Events sent while the connection was down are gone: read what was missed.
  useEffect(() => {
    if (connection === 'open') session?.catchUp();
  }, [connection, session]);

  return session?.buffer;
}
