import type { LogChunk, Run } from '../../../shared/model.ts';
import type { Transport } from '../workers/transport.ts';
import { readExitCode, readLog, runDirOf } from './job-protocol.ts';
import { completeLines, lastProgress } from './log-lines.ts';

const LOG_SLICE = 8 * 1024 * 1024;
/**
 * A tick that handed on at least this much found the log growing fast: the next one follows at
 * once instead of after the poll interval, so a chatty run is streamed, not sampled.
 */
const FLOWING_BYTES = 64 * 1024;
/** The run's progress reaches the UI at most this often; its log lines as they come. */
const RUN_EVENT_MS = 250;
/** Longest wait between attempts to read a run whose worker cannot be reached. */
const MAX_RETRY_MS = 10_000;

export interface FollowerEvents {
  chunk(chunk: LogChunk): void;
  progress(run: Run): void;
  ended(code: number | undefined, cancelled: boolean): Promise<void>;
  /** The worker could not be read (connection lost ...); following goes on, with backoff. */
  unreachable(err: Error): void;
  /** Reading works again after an outage; always before the chunks and the end that follow it. */
  reachable(): void;
  /** The run's folder is gone from the worker (no exit code, no log): following ends. */
  vanished?(): Promise<void>;
}

/** Polls one run's log and exit file, handing on whole lines and the latest progress. */
export class Follower {
  cancelRequested = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastProgressEvent = 0;
  private failures = 0;

  constructor(
    public run: Run,
    private readonly transport: Transport,
    private offset: number,
    private readonly pollMs: number,
    private readonly events: FollowerEvents,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick().then(
        (handed) => {
          if (handed !== false) this.schedule(handed >= FLOWING_BYTES ? 0 : this.pollMs);
        },
        (err: Error) => {
          // The run lives on the worker whatever happens to the connection: keep trying. The
          // offset only moves after a chunk was handed on, so nothing is lost or repeated.
          if (this.failures++ === 0) this.events.unreachable(err);
          this.schedule(Math.min(MAX_RETRY_MS, this.pollMs * 2 ** this.failures));
        },
      );
    }, ms);
  }

  /** Returns the bytes of log handed on, or false when following is over. */
  private async tick(): Promise<number | false> {
    const runDir = runDirOf(this.transport, this.run.id);
    // Read the exit code first: once it exists the log is complete, so draining it is final.
    const code = await readExitCode(this.transport, runDir);
    // Said as soon as the worker answers, before any chunk or the end: the listener records the
    // run as it was, and were this said after `ended`, that stale record (still running) would
    // overwrite the finished one.
    if (this.failures > 0) {
      this.failures = 0;
      this.events.reachable();
    }
    const ended = code !== undefined;
    const from = this.offset;
    for (;;) {
      const slice = await readLog(this.transport, runDir, this.offset, LOG_SLICE);
      // launch.sh creates the log before the run starts: no log and no exit code means the folder may be gone.
      if (!slice && !ended && this.events.vanished && !(await this.transport.exists(runDir))) {
        await this.events.vanished();
        return false;
      }
      if (!slice) break;
      const data = ended ? slice.data : completeLines(slice.data);
      if (data.length === 0) break;
      const text = data.toString('utf8');
      const chunk: LogChunk = { runId: this.run.id, offset: this.offset, nextOffset: this.offset + data.length, text, done: false };
      this.offset = chunk.nextOffset;
      this.events.chunk(chunk);
      const progress = lastProgress(text);
      if (progress) this.run = { ...this.run, progress };
      if (this.offset >= slice.size || data.length < LOG_SLICE / 2) break;
    }
    if (ended) {
      this.events.chunk({ runId: this.run.id, offset: this.offset, nextOffset: this.offset, text: '', done: true });
      await this.events.ended(code, this.cancelRequested);
      return false;
    }
    const now = Date.now();
    if (this.run.progress && now - this.lastProgressEvent >= RUN_EVENT_MS) {
      this.lastProgressEvent = now;
      this.events.progress(this.run);
    }
    return this.stopped ? false : this.offset - from;
  }
}
