import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { EventBus } from '../src/main/bus.ts';
import { PackagerService } from '../src/main/services/packager/packager-service.ts';
import type { Benchmark } from './harness.ts';

const run = promisify(execFile);
const TREE = resolve('.bench', 'pack-tree-200mb');
const OUT = resolve('.bench', 'pack-out');
const MB = 1024 * 1024;

/** Telemetry-like text: compressible but not trivially so. */
function textBlock(bytes: number, seed: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${seed}-${i}\tsaved-session\tFirefox\trelease\t41.0.${i % 7}\t2015100${i % 9}\t{"OS":"${['WINNT', 'Linux', 'Darwin'][i % 3]}","uptime":${(i * 7919 + seed) % 100003}}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, bytes);
}

/**
 * A job folder of about 200 MB, made once under .bench/: 3000 small text files (~10-40 KB:
 * scripts, configs, small data), 600 small incompressible ones (~16 KB), four 20 MB text
 * files and three 20 MB binary ones (random bytes: data that is already compressed).
 */
async function ensureTree(): Promise<void> {
  if (await stat(join(TREE, '.complete')).catch(() => undefined)) return;
  await rm(TREE, { recursive: true, force: true });
  for (let i = 0; i < 3000; i++) {
    const dir = join(TREE, 'src', `pkg${i % 30}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `module${i}.py`), textBlock(10_000 + ((i * 977) % 30_000), i));
  }
  for (let i = 0; i < 600; i++) {
    const dir = join(TREE, 'assets', `set${i % 10}`);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `blob${i}.bin`), randomBytes(16 * 1024));
  }
  await mkdir(join(TREE, 'data'), { recursive: true });
  for (let i = 0; i < 4; i++) await writeFile(join(TREE, 'data', `part${i}.tsv`), textBlock(20 * MB, 1000 + i));
  for (let i = 0; i < 3; i++) await writeFile(join(TREE, 'data', `part${i}.bin`), randomBytes(20 * MB));
  await writeFile(join(TREE, 'run.sh'), '#!/bin/sh\nmkdir -p output\n');
  await writeFile(join(TREE, '.complete'), '');
}

/**
 * Runs the contenders in turns (ours, tar, ours, tar ...) after one warm-up each, and returns
 * each one's median in seconds. On a shared machine the load drifts over a minute; taking
 * turns lets both see the same drift, where two blocks of runs would not.
 */
async function interleavedMedians(times: number, contenders: [() => Promise<void>, () => Promise<void>]): Promise<[number, number]> {
  for (const fn of contenders) await fn();
  const samples: number[][] = contenders.map(() => []);
  for (let i = 0; i < times; i++) {
    for (const [k, fn] of contenders.entries()) {
      const start = process.hrtime.bigint();
      await fn();
      samples[k]!.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  const median = (list: number[]) => list.sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  return [median(samples[0]!), median(samples[1]!)];
}

/**
 * `pack-200mb`: our whole build (scan, secret search of every file, reproducible tar, gzip -6,
 * SHA-256) against GNU `tar czf` (which pipes to gzip -6 by default) on the same tree.
 * Each run of ours uses a fresh service, so nothing is cached between runs.
 */
const benchmark: Benchmark = {
  name: 'pack',
  async run() {
    await ensureTree();
    await mkdir(OUT, { recursive: true });
    const treeBytes = Number((await run('du', ['-sb', TREE])).stdout.split('\t')[0]);
    let n = 0;
    const [ours, anchor] = await interleavedMedians(5, [
      async () => {
        const packager = new PackagerService({ bus: new EventBus(), runnerDir: resolve('resources/worker/mapreduce') });
        await packager.build({ buildId: `bench-${n++}`, root: TREE, output: join(OUT, 'ours.tar.gz'), excluded: ['.complete'] });
      },
      async () => {
        await run('tar', ['czf', join(OUT, 'gnu.tar.gz'), '--exclude=./.complete', '-C', TREE, '.']);
      },
    ]);
    const [a, b] = await Promise.all([stat(join(OUT, 'ours.tar.gz')), stat(join(OUT, 'gnu.tar.gz'))]);
    return [
      {
        name: 'pack-200mb',
        ours,
        anchor,
        note: `${(treeBytes / MB).toFixed(0)} MiB tree, ${Math.round(treeBytes / MB / ours)} MiB/s vs ${Math.round(treeBytes / MB / anchor)} MiB/s; tarballs ${(a.size / MB).toFixed(1)} vs ${(b.size / MB).toFixed(1)} MiB; both gzip level 6`,
      },
    ];
  },
};

export default benchmark;
