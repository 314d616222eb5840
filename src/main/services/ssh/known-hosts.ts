import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { hostMatches } from './ssh-config.ts';

/**
 * The app's own known_hosts (OpenSSH format, in the data dir): `host key-type base64` lines,
 * `[host]:port` for other ports than 22, hashed names (`|1|salt|hash`) understood when read,
 * `@revoked` lines honoured. The user's ~/.ssh/known_hosts is never written.
 */
export type HostKeyVerdict =
  | { kind: 'match' }
  | { kind: 'unknown' }
  /** The host is known with another key (or this key is revoked): refuse. */
  | { kind: 'changed'; knownFingerprint: string; revoked?: boolean };

interface Entry {
  marker: '' | '@revoked' | '@cert-authority';
  hosts: string[];
  keyType: string;
  key: string;
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public key blob (its first string). */
export function keyTypeOf(keyBlob: Buffer): string {
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('ascii');
}

export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function parse(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const marker = parts[0] === '@revoked' || parts[0] === '@cert-authority' ? (parts.shift() as Entry['marker']) : '';
    const [hosts, keyType, key] = parts;
    if (!hosts || !keyType || !key) continue;
    entries.push({ marker, hosts: hosts.split(','), keyType, key });
  }
  return entries;
}

function hashedMatches(pattern: string, token: string): boolean {
  const [, , salt, hash] = pattern.split('|');
  if (!salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64') === hash;
}

/** Host patterns of a line: hashed names, or wildcards and negations as in ssh_config. */
function entryMatches(hosts: string[], token: string): boolean {
  const plain = hosts.filter((h) => !h.startsWith('|1|'));
  return hosts.some((h) => h.startsWith('|1|') && hashedMatches(h, token)) || (plain.length > 0 && hostMatches(plain, token));
}

export class KnownHosts {
  constructor(private readonly path: string) {}

  private async entries(): Promise<Entry[]> {
    return parse(await readFile(this.path, 'utf8').catch(() => ''));
  }

  async check(host: string, port: number, keyBlob: Buffer): Promise<HostKeyVerdict> {
    const token = hostToken(host, port);
    const key = keyBlob.toString('base64');
    const type = keyTypeOf(keyBlob);
    const forHost = (await this.entries()).filter((e) => e.marker !== '@cert-authority' && entryMatches(e.hosts, token));
    const revoked = forHost.find((e) => e.marker === '@revoked' && e.key === key);
    if (revoked) return { kind: 'changed', knownFingerprint: fingerprint(keyBlob), revoked: true };
    const plain = forHost.filter((e) => e.marker === '');
    if (plain.some((e) => e.keyType === type && e.key === key)) return { kind: 'match' };
    const other = plain.find((e) => e.keyType === type) ?? plain[0];
    if (other) return { kind: 'changed', knownFingerprint: fingerprint(Buffer.from(other.key, 'base64')) };
    return { kind: 'unknown' };
  }

  /**
   * Drops the lines `add` wrote for host:port (those naming exactly that host and nothing else);
   * lines the user wrote (several names, patterns, hashed names, markers) stay as they are.
   * Answers how many lines went.
   */
  async remove(host: string, port: number): Promise<number> {
    const current = await readFile(this.path, 'utf8').catch(() => '');
    const token = hostToken(host, port);
    const lines = current.split('\n');
    const kept = lines.filter((line) => line.trim().split(/\s+/)[0] !== token);
    if (kept.length === lines.length) return 0;
    await writeFileAtomic(this.path, kept.join('\n'));
    return lines.length - kept.length;
  }

  /** Records a key the user accepted (appends; nothing else in the file changes). */
  async add(host: string, port: number, keyBlob: Buffer): Promise<void> {
    const current = await readFile(this.path, 'utf8').catch(() => '');
    const line = `${hostToken(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}\n`;
    await writeFileAtomic(this.path, `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${line}`);
  }
}

/** An OpenSSH public key line (`ssh-ed25519 AAAA... comment`) as its blob. */
export function publicKeyBlob(line: string): Buffer {
  const base64 = line.trim().split(/\s+/)[1];
  if (!base64) throw new Error('not an OpenSSH public key line');
  return Buffer.from(base64, 'base64');
}
