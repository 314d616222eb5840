import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Client, ClientChannel } from 'ssh2';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Tunnel, TunnelRequest } from '../../../shared/tunnel-model.ts';

/** How long opening a tunnel waits for the worker to accept its first forwarded connection. */
const PROBE_TIMEOUT_MS = 15_000;

interface OpenTunnel extends Tunnel {
  server: Server;
  sockets: Set<Socket>;
}

/** Asks the worker's SSH server to connect to host:port on its side (a direct-tcpip channel). */
function forward(client: Client, from: Socket | undefined, host: string, port: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    client.forwardOut(from?.remoteAddress ?? '127.0.0.1', from?.remotePort ?? 0, host, port, (err, channel) => (err ? reject(err) : resolve(channel)));
  });
}

function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WorkbenchError('UNAVAILABLE', message)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Local port forwarding over a worker's shared SSH connection: a port on 127.0.0.1 (never another
 * interface) whose connections are carried to host:port as the worker sees it, the way
 * `ssh -L 127.0.0.1:PORT:HOST:PORT` does. This is how the web UIs that a cluster's master only
 * serves inside its network (YARN, Spark's history server) open in the user's own browser.
 * One tunnel per worker and destination: opening it again answers the one already open.
 */
export class Tunnels {
  private readonly tunnels = new Map<string, OpenTunnel>();
  private nextId = 1;

  constructor(private readonly connect: (workerId: string) => Promise<Client>) {}

  list(): Tunnel[] {
    return [...this.tunnels.values()].map(shown);
  }

  /**
   * Opens the tunnel once the worker has shown it can reach the destination: a destination
   * that refuses (the UI not started yet, forwarding disabled on the server) is reported now,
   * not as a blank page in the browser later.
   */
  async open(request: TunnelRequest): Promise<Tunnel> {
    const key = `${request.workerId} ${request.remoteHost}:${request.remotePort}`;
    const existing = this.tunnels.get(key);
    if (existing) return shown(existing);
    const where = `${request.remoteHost}:${request.remotePort}`;
    const client = await this.connect(request.workerId);
    try {
      const probe = await withTimeout(forward(client, undefined, request.remoteHost, request.remotePort), PROBE_TIMEOUT_MS, `The worker did not answer for ${where} within ${PROBE_TIMEOUT_MS / 1000} s.`);
      probe.close();
    } catch (err) {
      if (err instanceof WorkbenchError) throw err;
      throw new WorkbenchError(
        'UNAVAILABLE',
        `The worker could not open ${where} (${(err as Error).message}): nothing listens there yet, or its SSH server does not allow forwarding (AllowTcpForwarding).`,
        { cause: err },
      );
    }
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      // Pages are many small requests: send each at once rather than waiting to fill a segment.
      socket.setNoDelay(true);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      // The shared connection may have dropped and come back since the tunnel opened: ask for it each time.
      this.connect(request.workerId)
        .then((current) => forward(current, socket, request.remoteHost, request.remotePort))
        .then((channel) => {
          if (socket.destroyed) return void channel.close();
          channel.on('error', () => socket.destroy());
          socket.pipe(channel).pipe(socket);
        })
        .catch(() => socket.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const tunnel: OpenTunnel = {
      id: `tunnel-${this.nextId++}`,
      workerId: request.workerId,
      remoteHost: request.remoteHost,
      remotePort: request.remotePort,
      ...(request.label ? { label: request.label } : {}),
      localPort: port,
      url: `http://127.0.0.1:${port}/`,
      server,
      sockets,
    };
    this.tunnels.set(key, tunnel);
    return shown(tunnel);
  }

  /** Closes a tunnel and the connections through it; an unknown id is a no-op (already closed). */
  close(id: string): void {
    for (const [key, tunnel] of this.tunnels) {
      if (tunnel.id !== id) continue;
      this.tunnels.delete(key);
      tunnel.server.close();
      for (const socket of tunnel.sockets) socket.destroy();
    }
  }

  /** Closes every tunnel to a worker (it was disconnected, removed or terminated). */
  closeFor(workerId: string): void {
    for (const tunnel of [...this.tunnels.values()]) if (tunnel.workerId === workerId) this.close(tunnel.id);
  }

  closeAll(): void {
    for (const tunnel of [...this.tunnels.values()]) this.close(tunnel.id);
  }
}

function shown(tunnel: OpenTunnel): Tunnel {
  const { server: _server, sockets: _sockets, ...rest } = tunnel;
  return rest;
}
