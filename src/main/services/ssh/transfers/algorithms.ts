import type { Algorithms } from 'ssh2';

/**
 * What the connection manager should pass as ssh2's `algorithms` for a worker connection that
 * carries transfers. AES-GCM first: Node's OpenSSL runs it with AES-NI and it needs no separate
 * MAC, where chacha20-poly1305 goes through ssh2's slower path unless its optional native
 * binding is built (it is not: no native addons here). CTR with an ETM SHA-2 MAC is the fallback
 * for servers without GCM; chacha20 last so that servers offering only it still connect. No
 * compression: transferred data is usually already compressed, and zlib would cost more CPU
 * than loopback or LAN bandwidth saves.
 *
 * Also hand ssh2 the socket through `coalesceWrites` (one writev per tick instead of a send per
 * packet) and call `client.setNoDelay(true)` once connected (ssh2 leaves Nagle on): downloads send
 * a stream of tiny READ requests that Nagle would hold back behind unacknowledged data. The
 * terminal gains from it too. The connection manager does both; so does the transfer benchmark.
 */
export const RECOMMENDED_ALGORITHMS: Algorithms = {
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr', 'aes192-ctr', 'aes256-ctr', 'chacha20-poly1305@openssh.com'],
  // SHA-1 last, for old servers that offer nothing newer (ssh2's own default list keeps it too).
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com', 'hmac-sha2-256', 'hmac-sha2-512', 'hmac-sha1-etm@openssh.com', 'hmac-sha1'],
  compress: ['none'],
};
