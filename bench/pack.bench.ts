import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
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
 * turns lets all of them see the same drift, where blocks of runs would not.
 */
async function interleavedMedians(times: number, contenders: readonly (() => Promise<void>)[]): Promise<number[]> {
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
  return samples.map(median);
}

async function hasPigz(): Promise<boolean> {
  return run('pigz', ['--version']).then(
    () => true,
    () => false,
  );
}

/**
 * `pack-200mb`: our whole build (scan, secret search of every file, reproducible tar, gzip -6
 * in parallel members, SHA-256) against GNU `tar czf` (which pipes to gzip -6 by default) on
 * the same tree, and `pack-200mb-pigz` against `tar -I pigz` (gzip -6 on every core) when pigz
 * is installed. All take turns in the same rounds. Each run of ours uses a fresh service, so
 * nothing is cached between runs.
 */
const benchmark: Benchmark = {
  name: 'pack',
  async run() {
    await ensureTree();
    await mkdir(OUT, { recursive: true });
    const treeBytes = Number((await run('du', ['-sb', TREE])).stdout.split('\t')[0]);
    const pigz = await hasPigz();
    if (!pigz) console.log('pack-200mb-pigz: pigz not installed, anchor skipped');
    let n = 0;
    const gnu = (name: string, compressor: string[]) => async () => {
      await run('tar', [...compressor, '-cf', join(OUT, name), '--exclude=./.complete', '-C', TREE, '.']);
    };
    const [ours, tarGzip, tarPigz] = await interleavedMedians(5, [
      async () => {
        const packager = new PackagerService({ bus: new EventBus(), runnerDir: resolve('resources/worker/mapreduce') });
        await rm(join(OUT, 'ours.tar.gz'), { force: true }); // a build never replaces a tarball unasked
        await packager.build({ buildId: `bench-${n++}`, root: TREE, output: join(OUT, 'ours.tar.gz'), excluded: ['.complete'] });
      },
      gnu('gnu.tar.gz', ['-z']),
      ...(pigz ? [gnu('pigz.tar.gz', ['-I', 'pigz'])] : []),
    ]);
    const size = async (name: string) => ((await stat(join(OUT, name))).size / MB).toFixed(1);
    const rate = (seconds: number) => Math.round(treeBytes / MB / seconds);
    const results = [
      {
        name: 'pack-200mb',
        ours: ours!,
        anchor: tarGzip!,
        note: `${(treeBytes / MB).toFixed(0)} MiB tree, ${rate(ours!)} MiB/s vs ${rate(tarGzip!)} MiB/s; tarballs ${await size('ours.tar.gz')} vs ${await size('gnu.tar.gz')} MiB; both gzip level 6, ours storing what deflate cannot shrink`,
      },
    ];
    if (tarPigz !== undefined) {
      results.push({
        name: 'pack-200mb-pigz',
        ours: ours!,
        anchor: tarPigz,
        note: `tar -I pigz on ${availableParallelism()} cores, ${rate(tarPigz)} MiB/s; tarball ${await size('pigz.tar.gz')} MiB`,
      });
    }
    return results;
  },
};

export default benchmark;
