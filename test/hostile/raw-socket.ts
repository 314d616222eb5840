import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * A WebSocket spoken byte by byte (no client library to tidy up what we send): the handshake,
 * then frames built by hand, however malformed.
 */

export interface FrameSpec {
  opcode: number;
  payload?: Buffer;
  fin?: boolean;
  /** RSV1..3 as bits 0x4, 0x2, 0x1. */
  rsv?: number;
  masked?: boolean;
  /** The length the header claims (the payload sent may be shorter). */
  declaredLength?: bigint;
}

export function frame(spec: FrameSpec): Buffer {
  const payload = spec.payload ?? Buffer.alloc(0);
  const length = spec.declaredLength ?? BigInt(payload.length);
  const masked = spec.masked ?? true;
  const first = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode;
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, (masked ? 0x80 : 0) | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([header, key, body]);
}

export const text = (value: string | Buffer, extra: Partial<FrameSpec> = {}): Buffer => frame({ opcode: 1, payload: Buffer.from(value), ...extra });

export function closePayload(code: number, reason = ''): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return body;
}

export type Ending = { kind: 'close'; code: number | undefined; reason: string } | { kind: 'ended' } | { kind: 'timeout' } | { kind: 'refused'; status: string };

export interface RawSocket {
  socket: Socket;
  send(data: Buffer): void;
  /** Frames received so far (opcode and payload). */
  frames: { opcode: number; payload: Buffer }[];
  /** Waits for the server's close frame, or the connection's end, or the timeout. */
  ending(timeoutMs: number): Promise<Ending>;
  destroy(): void;
}

/** Opens /ws with these headers (Host, Origin, cookie...) and returns once upgraded or refused. */
export async function openRaw(port: number, options: { path: string; headers: Record<string, string> }): Promise<RawSocket | { refusedWith: string; raw: string }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const lines = [
    `GET ${options.path} HTTP/1.1`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(options.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  let buffered = Buffer.alloc(0);
  const response = await new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        socket.off('data', onData);
        const head = buffered.subarray(0, end).toString('latin1');
        buffered = buffered.subarray(end + 4);
        resolve(head);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => resolve(buffered.toString('latin1')));
  });
  const status = response.split('\r\n')[0] ?? '';
  if (!/^HTTP\/1\.1 101/.test(status)) {
    socket.destroy();
    return { refusedWith: status || '(the connection closed with no answer)', raw: response };
  }
  const frames: { opcode: number; payload: Buffer }[] = [];
  let ended = false;
  let closeFrame: { code: number | undefined; reason: string } | undefined;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of waiters) w();
  };
  const parse = () => {
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0]! & 0x0f;
      let length = buffered[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        offset = 10;
      }
      if (buffered.length < offset + length) return;
      const payload = buffered.subarray(offset, offset + length);
      buffered = buffered.subarray(offset + length);
      frames.push({ opcode, payload });
      if (opcode === 8) {
        closeFrame = { code: payload.length >= 2 ? payload.readUInt16BE(0) : undefined, reason: payload.subarray(2).toString('utf8') };
        wake();
      }
    }
  };
  parse();
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    parse();
  });
  socket.on('close', () => {
    ended = true;
    wake();
  });
  return {
    socket,
    frames,
    send: (data) => {
      if (!socket.destroyed) socket.write(data);
    },
    ending: (timeoutMs) =>
      new Promise<Ending>((resolve) => {
        const check = () => {
          if (closeFrame) return resolve({ kind: 'close', ...closeFrame });
          if (ended) return resolve({ kind: 'ended' });
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          resolve({ kind: 'timeout' });
        }, timeoutMs);
        const done = () => {
          check();
          if (closeFrame || ended) {
            clearTimeout(timer);
            waiters.delete(done);
          }
        };
        waiters.add(done);
        done();
      }),
    destroy: () => socket.destroy(),
  };
}
