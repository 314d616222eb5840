import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatMeasurement, type Benchmark } from './harness.ts';

/**
 * `npm run bench [-- name ...]`: runs every bench/*.bench.ts and bench/*.py (or the named ones)
 * and prints their `name: ours X s, anchor Y s, ratio Z` lines.
 */
const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
let failed = false;
for (const file of files) {
  const { default: benchmark } = (await import(pathToFileURL(join(here, file)).href)) as { default: Benchmark };
  if (wanted.length > 0 && !wanted.includes(benchmark.name)) continue;
  try {
    for (const measurement of await benchmark.run()) console.log(formatMeasurement(measurement));
  } catch (err) {
    failed = true;
    console.error(`${benchmark.name}: failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
// Benchmarks of what runs on a worker are Python, and print the same lines themselves.
for (const file of (await readdir(here)).filter((f) => f.endsWith('.py')).sort()) {
  if (wanted.length > 0 && !wanted.includes(file.replace(/\.py$/, ''))) continue;
  const result = spawnSync('python3', [join(here, file)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed = true;
    console.error(`${file}: failed with exit code ${result.status}`);
  }
}
process.exitCode = failed ? 1 : 0;
