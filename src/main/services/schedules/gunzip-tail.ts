import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * The last `maxBytes` of what a gzip stream holds, in memory bounded by `maxBytes` (plus one
 * chunk): a run's log.gz of a few MB can hold gigabytes of a chatty job's output, which
 * unpacked whole would exhaust the app's memory (and past 4 GiB cannot be one Buffer at all).
 */
export async function gunzipTail(gz: Readable, maxBytes: number): Promise<{ tail: Buffer; truncated: boolean }> {
  // Large chunks: a log of gigabytes goes by in seconds, not in a million small pieces.
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  gz.on('error', (err) => gunzip.destroy(err));
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of gz.pipe(gunzip) as AsyncIterable<Buffer>) {
    kept.push(chunk);
    keptBytes += chunk.length;
    total += chunk.length;
    while (kept.length > 1 && keptBytes - kept[0]!.length >= maxBytes) keptBytes -= kept.shift()!.length;
  }
  const all = Buffer.concat(kept);
  return { tail: all.subarray(Math.max(0, all.length - maxBytes)), truncated: total > maxBytes };
}
