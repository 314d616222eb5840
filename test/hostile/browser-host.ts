import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';
import type { CallResult } from '../../src/shared/protocol.ts';
import { start, type Started } from './processes.ts';

const READY_MS = 30_000;

/**
 * One `workbench web` as a user starts it (`node bin/workbench.js web --port 0`), with its own
 * data folder ($XDG_DATA_HOME) and loopback only; the URL it prints gives the port and token.
 */
export class BrowserHost {
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (result: CallResult) => void>();

  private constructor(
    readonly proc: Started,
    readonly dataHome: string,
    readonly port: number,
    readonly token: string,
  ) {}

  /** Starts a host; refuses (throws with its output) when it exits or prints no URL in time. */
  static async start(repo: string, dataHome: string, env: NodeJS.ProcessEnv = {}): Promise<BrowserHost> {
    const proc = start(process.execPath, [join(repo, 'bin', 'workbench.js'), 'web', '--port', '0'], {
      cwd: repo,
      env: { ...process.env, XDG_DATA_HOME: dataHome, ...env, WORKBENCH_LOOPBACK_ONLY: '1' },
    });
    const deadline = Date.now() + READY_MS;
    for (;;) {
      const match = /open at http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+)/.exec(proc.stdout());
      if (match) return new BrowserHost(proc, dataHome, Number(match[1]), match[2]!);
      if (proc.exitStatus() !== undefined || Date.now() > deadline) {
        await proc.stop();
        throw new Error(`workbench web ${proc.exitStatus() ? `exited (${proc.exitStatus()})` : 'printed no URL'}: ${(proc.stdout() + proc.stderr()).trim().slice(-600)}`);
      }
      await delay(50);
    }
  }

  get dataDir(): string {
    return join(this.dataHome, 'analysis-workbench');
  }
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get hostHeader(): string {
    return `127.0.0.1:${this.port}`;
  }
  get cookie(): string {
    return `workbench_${this.port}=${this.token}`;
  }
  exitStatus(): string | undefined {
    return this.proc.exitStatus();
  }
  /** The host's stdout and stderr so far. */
  output(): string {
    return this.proc.stdout() + this.proc.stderr();
  }

  private async connect(): Promise<WebSocket> {
    if (this.socket?.readyState === WebSocket.OPEN) return this.socket;
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/ws?token=${this.token}`, { headers: { Origin: this.origin }, maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`the socket was refused with HTTP ${res.statusCode}`)));
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { t: string; id?: number; result?: CallResult };
      if (message.t !== 'result' || message.id === undefined) return;
      this.pending.get(message.id)?.(message.result!);
      this.pending.delete(message.id);
    });
    ws.on('close', (code, reason) => {
      for (const settle of this.pending.values()) settle({ ok: false, error: { code: 'CLOSED', message: `the socket closed (${code} ${reason.toString()})`, retryable: false } as never });
      this.pending.clear();
      if (this.socket === ws) this.socket = undefined;
    });
    this.socket = ws;
    return ws;
  }

  /** One contract call as the page makes it; a closed socket answers as error code CLOSED. */
  async call(name: string, input?: unknown): Promise<CallResult> {
    return this.callText(name, input === undefined ? undefined : JSON.stringify(input));
  }

  /** A call whose input is given as JSON text (to send keys such as __proto__ as they are). */
  async callText(name: string, inputJson: string | undefined): Promise<CallResult> {
    const ws = await this.connect();
    const id = this.nextId++;
    const text = `{"t":"call","id":${id},"name":${JSON.stringify(name)}${inputJson === undefined ? '' : `,"input":${inputJson}`}}`;
    return new Promise<CallResult>((resolve) => {
      this.pending.set(id, resolve);
      ws.send(text);
    });
  }

  /** Why the host is not well (exited, or no answer to app:info), or undefined. */
  async unwell(timeoutMs = 4000): Promise<string | undefined> {
    if (this.exitStatus() !== undefined) return `the host exited (${this.exitStatus()})`;
    const answer = await Promise.race([this.call('app:info').catch((err: Error) => err), delay(timeoutMs).then(() => 'timeout' as const)]);
    if (answer === 'timeout') return `the host did not answer app:info within ${timeoutMs} ms`;
    if (answer instanceof Error) return `the host did not take a connection: ${answer.message}`;
    if (!answer.ok) return `the host answered app:info with an error: ${answer.error.message}`;
    return undefined;
  }

  async stop(): Promise<void> {
    this.socket?.terminate();
    await this.proc.stop();
  }
}
