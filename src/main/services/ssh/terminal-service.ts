import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Client, ClientChannel } from 'ssh2';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { TerminalData } from '../../../shared/worker-model.ts';

interface Terminal {
  id: string;
  workerId: string;
  cols: number;
  rows: number;
  channel?: ClientChannel;
  closed: boolean;
}

/**
 * Shells on workers for the UI's terminal tabs. Output is decoded as UTF-8 across chunk
 * boundaries and sent as events. When a worker's connection comes back after a drop, each of
 * its terminals gets a fresh shell in the same tab, with a line saying so.
 */
export class TerminalService {
  private readonly terminals = new Map<string, Terminal>();

  constructor(
    private readonly connect: (workerId: string) => Promise<Client>,
    private readonly emit: (data: TerminalData) => void,
  ) {}

  async open(workerId: string, cols: number, rows: number): Promise<string> {
    const terminal: Terminal = { id: `term-${randomBytes(8).toString('hex').slice(0, 10)}`, workerId, cols, rows, closed: false };
    await this.attach(terminal, await this.connect(workerId));
    this.terminals.set(terminal.id, terminal);
    return terminal.id;
  }

  input(terminalId: string, data: string): void {
    const channel = this.get(terminalId).channel;
    if (!channel) throw new WorkbenchError('UNAVAILABLE', 'The terminal is reconnecting; try again in a moment.');
    channel.write(data);
  }

  resize(terminalId: string, cols: number, rows: number): void {
    const terminal = this.get(terminalId);
    terminal.cols = cols;
    terminal.rows = rows;
    terminal.channel?.setWindow(rows, cols, 0, 0);
  }

  close(terminalId: string): void {
    const terminal = this.terminals.get(terminalId);
    if (!terminal) return;
    terminal.closed = true;
    this.terminals.delete(terminalId);
    terminal.channel?.close();
  }

  /** The worker's connection came back: give its terminals new shells. */
  async reconnected(workerId: string, client: Client): Promise<void> {
    for (const terminal of this.terminals.values()) {
      if (terminal.workerId !== workerId || terminal.closed) continue;
      await this.attach(terminal, client).then(
        () => this.emit({ terminalId: terminal.id, data: '\r\n\x1b[33m[reconnected: this is a new shell]\x1b[0m\r\n' }),
        (err: Error) => this.emit({ terminalId: terminal.id, data: `\r\n[could not reopen the shell: ${err.message}]\r\n`, closed: true }),
      );
    }
  }

  /** The user disconnected the worker: its terminals end (the UI offers a new shell later). */
  endFor(workerId: string): void {
    for (const terminal of [...this.terminals.values()]) {
      if (terminal.workerId !== workerId) continue;
      this.close(terminal.id);
      this.emit({ terminalId: terminal.id, data: '\r\n[disconnected]\r\n', closed: true });
    }
  }

  closeAll(): void {
    for (const id of [...this.terminals.keys()]) this.close(id);
  }

  private get(terminalId: string): Terminal {
    const terminal = this.terminals.get(terminalId);
    if (!terminal) throw new WorkbenchError('NOT_FOUND', 'That terminal is closed.');
    return terminal;
  }

  private attach(terminal: Terminal, client: Client): Promise<void> {
    return new Promise((resolve, reject) => {
      client.shell({ term: 'xterm-256color', cols: terminal.cols, rows: terminal.rows }, (err, channel) => {
        if (err) return reject(new WorkbenchError('UNAVAILABLE', `The worker refused a shell: ${err.message}`, { cause: err }));
        terminal.channel = channel;
        const decoder = new StringDecoder('utf8');
        const forward = (chunk: Buffer) => {
          const data = decoder.write(chunk);
          if (data) this.emit({ terminalId: terminal.id, data });
        };
        channel.on('data', forward);
        channel.stderr.on('data', forward);
        channel.on('close', () => {
          if (terminal.channel !== channel) return;
          terminal.channel = undefined;
          if (terminal.closed) return;
          // A shell that ended while the connection lives (exit, logout) closes the tab's session;
          // a dropped connection is reported by reconnected() when it comes back.
          const lost = () => this.emit({ terminalId: terminal.id, data: '\r\n\x1b[33m[connection lost; reconnecting…]\x1b[0m\r\n' });
          try {
            client.exec('true', (execErr, probe) => {
              if (execErr) return lost();
              probe.resume();
              this.emit({ terminalId: terminal.id, data: '\r\n[the shell ended]\r\n', closed: true });
            });
          } catch {
            lost(); // ssh2 throws when the connection is already gone
          }
        });
        resolve();
      });
    });
  }
}
