import { generateKeyPairSync, randomBytes } from 'node:crypto';

/** An ed25519 key pair in OpenSSH's formats. */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` ..., unencrypted. */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment` */
  publicKey: string;
  /** The public key blob (SSH wire format), what a host shows in the handshake. */
  blob: Buffer;
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]);
}

function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/**
 * A new ed25519 key pair, written out as OpenSSH does (PROTOCOL.key, cipher "none"), so that
 * ssh2, OpenSSH's sshd (host key) and cloud-init all take it as it is.
 */
export function generateEd25519(comment: string): SshKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  if (pub.length !== 32 || seed.length !== 32) throw new Error('ed25519 key export gave unexpected lengths');
  const blob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let secret = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), uint32(1), sshString(blob), sshString(secret)]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return {
    privateKey: ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join('\n'),
    publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`,
    blob,
  };
}

/** The blob of an `ssh-ed25519 AAAA...` line. */
export function publicKeyBlob(line: string): Buffer {
  const b64 = line.trim().split(/\s+/)[1];
  if (!b64) throw new Error('not an OpenSSH public key line');
  return Buffer.from(b64, 'base64');
}
