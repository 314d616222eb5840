import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatMeasurement, type Benchmark } from './harness.ts';

/** `npm run bench [-- name ...]`: runs every bench/*.bench.ts (or the named ones) and prints ratios. */
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
process.exitCode = failed ? 1 : 0;
