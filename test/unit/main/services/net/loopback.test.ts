import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { WorkbenchError } from '../../../../../src/shared/errors.ts';
import {
  assertLoopbackEndpoint,
  connectGuarded,
  isLoopbackAddress,
  resolveAllowedTarget,
  type LookupAll,
} from '../../../../../src/main/services/net/loopback.ts';

describe('isLoopbackAddress', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.2',
    '127.1.2.3',
    '127.255.255.255',
    '::1',
    '0:0:0:0:0:0:0:1',
    '0000:0000:0000:0000:0000:0000:0000:0001',
    '::ffff:127.0.0.1',
    '::ffff:127.10.20.30',
    '::FFFF:7f00:1', // the same mapped address in hex
  ])('%s is loopback', (ip) => {
    expect(isLoopbackAddress(ip)).toBe(true);
  });

  it.each([
    '126.255.255.255',
    '128.0.0.1',
    '10.0.0.1',
    '192.0.2.10',
    '0.0.0.0', // connecting to it reaches this machine on Linux, but it is not a loopback address
    '::',
    '::2',
    '2001:db8::1',
    'fe80::1',
    '::ffff:192.0.2.10',
    '::ffff:128.0.0.1',
    '::127.0.0.1', // IPv4-compatible, deprecated, not loopback
    '::ffff:0:7f00:1', // IPv4-translated, not mapped
    'localhost', // a name, not an address: callers resolve names first
    '[::1]',
    '127.0.0.1.example.com',
    '127.1',
    '0x7f.0.0.1',
    '2130706433',
    '',
  ])('%s is not loopback', (ip) => {
    expect(isLoopbackAddress(ip)).toBe(false);
  });
});

/**
 * Counts TCP connection attempts, at two levels, until the test ends.
 * - Socket.prototype.connect is where net.connect, net.createConnection and `new Socket().connect`
 *   all end up; spying on the prototype works where vi.spyOn on the `node:net` namespace cannot
 *   (ESM namespaces of builtins are frozen, and a module may have bound `connect` at import).
 * - Node itself publishes every client socket that net.connect/createConnection create on the
 *   'net.client.socket' diagnostics channel, however the calling module imported `net`.
 */
function watchConnections(): { prototypeCalls(): number; published(): number } {
  const spy = vi.spyOn(net.Socket.prototype, 'connect');
  let published = 0;
  const onSocket = (): void => {
    published++;
  };
  subscribe('net.client.socket', onSocket);
  onTestFinished(() => {
    spy.mockRestore();
    unsubscribe('net.client.socket', onSocket);
  });
  return { prototypeCalls: () => spy.mock.calls.length, published: () => published };
}

describe('with WORKBENCH_LOOPBACK_ONLY=1', () => {
  beforeEach(() => {
    vi.stubEnv('WORKBENCH_LOOPBACK_ONLY', '1');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('refuses a non-loopback IPv4 literal before any socket connects', async () => {
    const watch = watchConnections();
    const err = await connectGuarded('192.0.2.10', 22).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkbenchError);
    expect(err).toMatchObject({ code: 'LOOPBACK_ONLY', retryable: false });
    expect((err as Error).message).toContain('192.0.2.10');
    expect((err as Error).message).toContain('WORKBENCH_LOOPBACK_ONLY=1 allows only loopback');
    expect(watch.prototypeCalls()).toBe(0);
    expect(watch.published()).toBe(0);
  });

  it('refuses a non-loopback IPv6 literal (bracketed or not) before any socket connects', async () => {
    const watch = watchConnections();
    for (const host of ['2001:db8::1', '[2001:db8::1]', '::ffff:192.0.2.10']) {
      await expect(connectGuarded(host, 22)).rejects.toMatchObject({ code: 'LOOPBACK_ONLY' });
    }
    expect(watch.prototypeCalls()).toBe(0);
    expect(watch.published()).toBe(0);
  });

  it('refuses any name but localhost before looking it up, so no DNS query leaves the machine', async () => {
    const watch = watchConnections();
    const lookup = vi.fn<LookupAll>(async () => [{ address: '127.0.0.1', family: 4 }]);
    const names = [
      'ec2-192-0-2-10.compute-1.amazonaws.com',
      'nowhere.invalid',
      'my-box', // even a name /etc/hosts maps to 127.0.0.1
      'localhost.attacker.example',
      'a'.repeat(300) + '.example',
      '127.0.0.1.nip.io',
    ];
    for (const name of names) {
      const err = await connectGuarded(name, 22, { lookup }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkbenchError);
      expect(err).toMatchObject({ code: 'LOOPBACK_ONLY' });
      expect((err as Error).message).toBe(
        `Refused to connect to ${name}: it is a host name, and no name but localhost is looked up in this mode (the lookup could reach a DNS server). ` +
          'WORKBENCH_LOOPBACK_ONLY=1 allows only loopback addresses (127.0.0.0/8, ::1); map the host to 127.0.0.1 (for example in ssh_config) or unset WORKBENCH_LOOPBACK_ONLY.',
      );
    }
    expect(lookup).not.toHaveBeenCalled();
    expect(watch.prototypeCalls()).toBe(0);
    expect(watch.published()).toBe(0);
  });

  it('refuses localhost if any of its addresses is not loopback, without connecting', async () => {
    const watch = watchConnections();
    const mixed: LookupAll = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '192.0.2.10', family: 4 },
    ];
    const err = await connectGuarded('localhost', 22, { lookup: mixed }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'LOOPBACK_ONLY' });
    expect((err as Error).message).toContain('Refused to connect to localhost: it resolves to 192.0.2.10, which is not loopback');
    expect((err as Error).message).not.toMatch(/127\.0\.0\.1,/);

    const outside: LookupAll = async () => [{ address: '2001:db8::1', family: 6 }];
    await expect(resolveAllowedTarget('localhost', { lookup: outside })).rejects.toMatchObject({
      code: 'LOOPBACK_ONLY',
    });
    const nothing: LookupAll = async () => [];
    await expect(resolveAllowedTarget('LOCALHOST', { lookup: nothing })).rejects.toMatchObject({
      code: 'LOOPBACK_ONLY',
    });
    expect(watch.prototypeCalls()).toBe(0);
    expect(watch.published()).toBe(0);
  });

  it('returns the checked address of localhost, so the connection goes where the check looked', async () => {
    const lookup = vi.fn<LookupAll>(async () => [
      { address: '127.0.0.5', family: 4 },
      { address: '::1', family: 6 },
    ]);
    await expect(resolveAllowedTarget('localhost', { lookup })).resolves.toBe('127.0.0.5');
    expect(lookup).toHaveBeenCalledWith('localhost');
  });

  it('allows loopback literals, bracketed IPv6 and localhost', async () => {
    await expect(resolveAllowedTarget('127.0.0.1')).resolves.toBe('127.0.0.1');
    await expect(resolveAllowedTarget('127.3.2.1')).resolves.toBe('127.3.2.1');
    await expect(resolveAllowedTarget('::1')).resolves.toBe('::1');
    await expect(resolveAllowedTarget('[::1]')).resolves.toBe('::1');
    await expect(resolveAllowedTarget('::ffff:127.0.0.1')).resolves.toBe('::ffff:127.0.0.1');
    // The real system resolver: localhost must come back as loopback, whichever family.
    const localhost = await resolveAllowedTarget('localhost');
    expect(isLoopbackAddress(localhost)).toBe(true);
  });

  it('turns a failed name lookup into UNAVAILABLE, not a crash', async () => {
    const failing: LookupAll = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND localhost'), { code: 'ENOTFOUND' });
    };
    await expect(resolveAllowedTarget('localhost', { lookup: failing })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
  });

  describe('against a real local server', () => {
    let server: net.Server;
    let port: number;
    let accepted: net.Socket[];

    beforeEach(async () => {
      accepted = [];
      server = net.createServer((s) => {
        accepted.push(s);
        s.end('hello from loopback\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    });
    afterEach(async () => {
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    async function readAll(socket: net.Socket): Promise<string> {
      let text = '';
      for await (const chunk of socket) text += (chunk as Buffer).toString('utf8');
      return text;
    }

    it('connects to a loopback target, and the connection is really made (positive control for the spies)', async () => {
      const watch = watchConnections();
      const socket = await connectGuarded('127.0.0.1', port);
      expect(socket.remoteAddress).toBe('127.0.0.1');
      expect(socket.remotePort).toBe(port);
      expect(await readAll(socket)).toBe('hello from loopback\n');
      expect(accepted).toHaveLength(1);
      // The same watchers that saw nothing for refused targets see this one connection.
      expect(watch.prototypeCalls()).toBe(1);
      expect(watch.published()).toBe(1);
    });

    it('connects through localhost', async () => {
      // The server listens on 127.0.0.1 only; this machine's localhost must resolve there.
      const socket = await connectGuarded('localhost', port, { timeoutMs: 5_000 });
      expect(isLoopbackAddress(socket.remoteAddress ?? '')).toBe(true);
      expect(await readAll(socket)).toBe('hello from loopback\n');
    });

    it('reports a closed loopback port as UNAVAILABLE', async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server = net.createServer(); // for afterEach to close
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      await expect(connectGuarded('127.0.0.1', port)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    });

    it('gives up when aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('user cancelled'));
      const watch = watchConnections();
      await expect(connectGuarded('127.0.0.1', port, { signal: controller.signal })).rejects.toThrow('user cancelled');
      expect(watch.prototypeCalls()).toBe(0);
    });
  });

  it('rejects invalid ports before checking anything', async () => {
    await expect(connectGuarded('127.0.0.1', 0)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(connectGuarded('127.0.0.1', 70_000)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  describe('assertLoopbackEndpoint', () => {
    it.each(['http://127.0.0.1:4566', 'https://127.0.0.1', 'http://localhost:5000/', 'http://[::1]:4566', 'http://127.9.9.9:1'])(
      'allows %s',
      (url) => {
        expect(() => assertLoopbackEndpoint(url)).not.toThrow();
      },
    );

    it.each([
      undefined,
      '',
      'https://ec2.us-east-1.amazonaws.com',
      'http://192.0.2.10:4566',
      'http://[2001:db8::1]:4566',
      'http://localhost.example.com:4566',
      'http://127.0.0.1.nip.io',
      'localhost:4566', // parsed as scheme "localhost:", not a host
      'ftp://127.0.0.1',
      'not a url',
    ])('refuses %s', (url) => {
      let caught: unknown;
      try {
        assertLoopbackEndpoint(url);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(WorkbenchError);
      expect(caught).toMatchObject({ code: 'LOOPBACK_ONLY' });
      expect((caught as Error).message).toContain('WORKBENCH_LOOPBACK_ONLY=1 allows only loopback');
    });
  });
});

describe('with WORKBENCH_LOOPBACK_ONLY unset', () => {
  beforeEach(() => {
    vi.stubEnv('WORKBENCH_LOOPBACK_ONLY', undefined);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('does not refuse: non-loopback targets are returned as given (nothing is contacted here)', async () => {
    expect(process.env['WORKBENCH_LOOPBACK_ONLY']).toBeUndefined();
    await expect(resolveAllowedTarget('192.0.2.10')).resolves.toBe('192.0.2.10');
    await expect(resolveAllowedTarget('2001:db8::1')).resolves.toBe('2001:db8::1');
    // Names are left to net.connect; the guard does not even resolve them.
    const lookup = vi.fn<LookupAll>(async () => [{ address: '192.0.2.10', family: 4 }]);
    await expect(resolveAllowedTarget('example.test', { lookup })).resolves.toBe('example.test');
    expect(lookup).not.toHaveBeenCalled();
    expect(() => assertLoopbackEndpoint(undefined)).not.toThrow();
    expect(() => assertLoopbackEndpoint('https://s3.us-east-1.amazonaws.com')).not.toThrow();
  });

  it('only the exact value 1 turns the guard on', async () => {
    for (const value of ['0', 'true', 'yes', '']) {
      vi.stubEnv('WORKBENCH_LOOPBACK_ONLY', value);
      await expect(resolveAllowedTarget('192.0.2.10')).resolves.toBe('192.0.2.10');
    }
    vi.stubEnv('WORKBENCH_LOOPBACK_ONLY', '1');
    await expect(resolveAllowedTarget('192.0.2.10')).rejects.toMatchObject({ code: 'LOOPBACK_ONLY' });
  });
});
