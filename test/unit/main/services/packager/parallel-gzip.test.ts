import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParallelGzip } from '../../../../../src/main/services/packager/parallel-gzip.ts';

async function compress(data: Buffer, chunk: number, blockBytes: number): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) pieces.push(data.subarray(i, i + chunk));
  return buffer(Readable.from(pieces).pipe(new ParallelGzip(6, blockBytes, 3)));
}

describe('parallel gzip members', () => {
  const data = Buffer.concat([randomBytes(700_000), Buffer.from('telemetry line\n'.repeat(80_000)), randomBytes(123_457)]);

  it('gives the same bytes however the input is chunked, and gunzips to the input', async () => {
    const a = await compress(data, 65_536, 256 * 1024);
    const b = await compress(data, 999, 256 * 1024);
    expect(b.equals(a)).toBe(true);
    expect(gunzipSync(a).equals(data)).toBe(true);
    // Several members, each with zlib's header: no name, time 0.
    expect(a.indexOf(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0]), 10)).toBeGreaterThan(0);
  });

  it('makes one valid member of an empty input', async () => {
    expect(gunzipSync(await compress(Buffer.alloc(0), 1, 1024)).length).toBe(0);
  });
});
