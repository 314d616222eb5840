import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipMembers, looksIncompressible } from '../../../../../src/main/services/packager/parallel-gzip.ts';

/** Writes `parts` ([bytes, stored]) in chunks of `chunk` bytes and returns the whole .gz. */
async function compress(parts: [Buffer, boolean][], chunk: number, blockBytes: number, parallel = 3): Promise<Buffer> {
  const members: Buffer[] = [];
  const gz = new GzipMembers({ level: 6, blockBytes, parallel, onMember: (m) => void members.push(m) });
  for (const [data, stored] of parts) {
    for (let i = 0; i < data.length; i += chunk) await gz.write(data.subarray(i, i + chunk), stored);
  }
  await gz.end();
  return Buffer.concat(members);
}

/** Offsets of gzip member headers as zlib writes them: magic, deflate, no flags, time 0. */
function memberStarts(gz: Buffer): number[] {
  const starts: number[] = [];
  for (let at = gz.indexOf(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0])); at !== -1; at = gz.indexOf(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), at + 1)) starts.push(at);
  return starts;
}

const text = Buffer.from('2015-10-01\tsaved-session\tFirefox\trelease\t41.0.2\t{"OS":"Linux","uptime":123}\n'.repeat(12_000));
const random = randomBytes(700_000);

describe('gzip members compressed in parallel', () => {
  it('gives the same bytes however the input is chunked and however many compress at once, and gunzips to the input', async () => {
    const input: [Buffer, boolean][] = [
      [random.subarray(0, 300_000), false],
      [text, false],
      [random, true],
      [text.subarray(0, 100_000), false],
    ];
    const a = await compress(input, 65_536, 256 * 1024);
    const b = await compress(input, 999, 256 * 1024, 1);
    expect(b.equals(a)).toBe(true);
    expect(gunzipSync(a).equals(Buffer.concat(input.map(([data]) => data)))).toBe(true);
    // gzip -d and Python read the concatenated members as one stream too.
    const sha256 = createHash('sha256').update(gunzipSync(a)).digest('hex');
    expect(execFileSync('sh', ['-c', 'gzip -dc | sha256sum'], { input: a, encoding: 'utf8' }).split(' ')[0]).toBe(sha256);
    const python = execFileSync('python3', ['-c', 'import gzip,sys,hashlib; print(hashlib.sha256(gzip.decompress(sys.stdin.buffer.read())).hexdigest())'], { input: a, encoding: 'utf8' });
    expect(python.trim()).toBe(sha256);
  });

  it('cuts a member every block and wherever stored data starts or stops', async () => {
    const gz = await compress(
      [
        [text.subarray(0, 600_000), false], // 256 KiB + 256 KiB + 88 KiB
        [random.subarray(0, 100_000), true],
        [text.subarray(0, 10_000), false],
      ],
      4096,
      256 * 1024,
    );
    expect(memberStarts(gz)).toHaveLength(5);
  });

  it('stores data deflate cannot shrink: no bigger than gzip -6 makes it', async () => {
    const stored = await compress([[random, true]], 65_536, 256 * 1024);
    const deflated = await compress([[random, false]], 65_536, 256 * 1024);
    expect(stored.length).toBeLessThanOrEqual(deflated.length);
    expect(stored.length).toBeLessThanOrEqual(gzipSync(random, { level: 6 }).length);
    expect(gunzipSync(stored).equals(random)).toBe(true);
  });

  it('makes one valid member of an empty input', async () => {
    const gz = await compress([], 1, 1024);
    expect(memberStarts(gz)).toEqual([0]);
    expect(gunzipSync(gz).length).toBe(0);
  });

  it('passes a failed hand-over on to the writer', async () => {
    const gz = new GzipMembers({ level: 6, blockBytes: 1024, parallel: 2, onMember: () => Promise.reject(new Error('disk full')) });
    await expect(
      (async () => {
        for (let i = 0; i < 20; i++) await gz.write(text.subarray(i * 1024, (i + 1) * 1024));
        await gz.end();
      })(),
    ).rejects.toThrow('disk full');
    await gz.discard();
  });
});

describe('telling data deflate cannot shrink', () => {
  it('sees random bytes as such, and text, zeros or text with a random start as compressible', () => {
    expect(looksIncompressible(random.subarray(0, 256 * 1024))).toBe(true);
    expect(looksIncompressible(text.subarray(0, 256 * 1024))).toBe(false);
    expect(looksIncompressible(Buffer.alloc(256 * 1024))).toBe(false);
    expect(looksIncompressible(Buffer.concat([random.subarray(0, 8192), text.subarray(0, 248 * 1024)]))).toBe(false);
    // Too little to judge: deflated as usual.
    expect(looksIncompressible(random.subarray(0, 4096))).toBe(false);
  });
});
