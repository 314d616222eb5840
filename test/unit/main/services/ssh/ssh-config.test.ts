import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostMatches, loadSshConfig, parseDestination, parseSshConfig, resolveHost } from '../../../../../src/main/services/ssh/ssh-config.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

const defaults = { user: 'me' };

describe('ssh_config', () => {
  it('takes the first value of each option, accumulating IdentityFile, as OpenSSH does', () => {
    const config = parseSshConfig(`
# comment
Host box
  HostName 10.0.0.5
  Port 2222
  IdentityFile ~/.ssh/box_key
Host *
  User analyst
  Port 22
  IdentityFile "/keys/with space"
`);
    expect(resolveHost('box', [config], defaults)).toEqual({
      alias: 'box',
      hostName: '10.0.0.5',
      port: 2222,
      user: 'analyst',
      identityFiles: [join(homedir(), '.ssh/box_key'), '/keys/with space'],
      proxyJump: [],
    });
    expect(resolveHost('other', [config], defaults)).toMatchObject({ hostName: 'other', port: 22, user: 'analyst' });
  });

  it('lets the app’s own file win over the user’s, and an unknown host keep its name', () => {
    const app = parseSshConfig('Host *.compute.amazonaws.com\n  HostName 127.0.0.1\n  Port 40022\n');
    const user = parseSshConfig('Host *\n  Port 22\n  User ubuntu\n');
    expect(resolveHost('ec2-3-91-1-2.compute-1.compute.amazonaws.com', [app, user], defaults)).toMatchObject({ hostName: '127.0.0.1', port: 40022, user: 'ubuntu' });
    expect(resolveHost('plain.example', [app, user], defaults)).toMatchObject({ hostName: 'plain.example', port: 22 });
  });

  it('matches patterns with *, ?, lists and negation', () => {
    expect(hostMatches(['*.example.com'], 'a.example.com')).toBe(true);
    expect(hostMatches(['*.example.com'], 'example.com')).toBe(false);
    expect(hostMatches(['web?'], 'web1')).toBe(true);
    expect(hostMatches(['web?'], 'web12')).toBe(false);
    expect(hostMatches(['*', '!bastion'], 'bastion')).toBe(false);
    expect(hostMatches(['a,b'], 'b')).toBe(true);
    expect(hostMatches(['A.Example'], 'a.example')).toBe(true);
    // Regex characters in patterns are literal.
    expect(hostMatches(['a.b'], 'axb')).toBe(false);
  });

  it('accepts key=value, quoted values and tokens, ignores Match blocks', () => {
    const config = parseSshConfig('Host gw\n  HostName=%h.internal\n  IdentityFile=~/.ssh/%r_%h\n  User=ops\nMatch host gw\n  Port 9999\n');
    expect(resolveHost('gw', [config], defaults)).toMatchObject({ hostName: 'gw.internal', port: 22, identityFiles: [join(homedir(), '.ssh/ops_gw.internal')] });
  });

  it('reads ProxyJump chains and destinations', () => {
    const config = parseSshConfig('Host inner\n  ProxyJump ops@gw:2200,[::1]:2201\nHost direct\n  ProxyJump none\n');
    expect(resolveHost('inner', [config], defaults).proxyJump).toEqual(['ops@gw:2200', '[::1]:2201']);
    expect(resolveHost('direct', [config], defaults).proxyJump).toEqual([]);
    expect(parseDestination('ops@gw:2200')).toEqual({ user: 'ops', host: 'gw', port: 2200 });
    expect(parseDestination('[::1]:2201')).toEqual({ host: '::1', port: 2201 });
    expect(parseDestination('gw')).toEqual({ host: 'gw' });
  });

  it('follows Include with globs, relative to its base folder, and treats a missing file as empty', async () => {
    const dir = await useTempDir('ssh-config');
    await mkdir(join(dir, 'conf.d'));
    await writeFile(join(dir, 'config'), 'Include conf.d/*.conf\nHost *\n  User fallback\n');
    await writeFile(join(dir, 'conf.d', 'a.conf'), 'Host alpha\n  HostName 127.0.0.2\n');
    await writeFile(join(dir, 'conf.d', 'b.conf'), 'Host beta\n  Port 2022\n');
    const blocks = await loadSshConfig({ path: join(dir, 'config'), includeBase: dir });
    expect(resolveHost('alpha', [blocks], defaults)).toMatchObject({ hostName: '127.0.0.2', user: 'fallback' });
    expect(resolveHost('beta', [blocks], defaults)).toMatchObject({ port: 2022 });
    expect(await loadSshConfig({ path: join(dir, 'missing'), includeBase: dir })).toEqual([]);
  });
});
