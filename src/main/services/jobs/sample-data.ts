import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { SampleData } from '../../../shared/model.ts';
import type { Transport } from '../workers/transport.ts';

/** What the generator prints when it is done (one JSON line). */
interface GeneratorSummary {
  files: number;
  /** The records uncompressed. */
  bytes: number;
}

function parseSummary(text: string): GeneratorSummary | undefined {
  try {
    const value = JSON.parse(text) as Partial<GeneratorSummary>;
    return typeof value.files === 'number' && typeof value.bytes === 'number' ? { files: value.files, bytes: value.bytes } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The generated sample data set on this computer: what a new user runs their first job on.
 * It is generated into a temp folder and renamed into place, so a half-made set never looks
 * complete. The generator's summary is kept beside it (`<path>.json`, outside the data folder a
 * job reads), so the set's uncompressed size, the size asked for, can be shown later.
 */
export class SampleDataService {
  private generating: Promise<SampleData> | undefined;

  constructor(
    private readonly local: Transport,
    private readonly generator: string,
    readonly path: string,
  ) {}

  async describe(): Promise<SampleData> {
    let files = 0;
    let bytes = 0;
    try {
      for (const entry of await readdir(this.path, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        files += 1;
        bytes += (await stat(join(entry.parentPath, entry.name))).size;
      }
    } catch {
      return { path: this.path, exists: false, files: 0, bytes: 0 };
    }
    const summary = parseSummary(await readFile(this.summaryPath, 'utf8').catch(() => ''));
    // A summary of another set (one copied in by hand) says nothing about this one.
    return { path: this.path, exists: true, files, bytes, ...(summary?.files === files && { recordBytes: summary.bytes }) };
  }

  private get summaryPath(): string {
    return `${this.path}.json`;
  }

  /** Makes (or remakes) the sample data set of about `sizeMb` uncompressed megabytes. */
  generate(sizeMb: number, seed = 42): Promise<SampleData> {
    this.generating ??= this.generateNow(sizeMb, seed).finally(() => (this.generating = undefined));
    return this.generating;
  }

  private async generateNow(sizeMb: number, seed: number): Promise<SampleData> {
    const staging = `${this.path}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    const result = await this.local.exec(['python3', this.generator, '--out', staging, '--size-mb', String(sizeMb), '--seed', String(seed)], { timeoutMs: 30 * 60_000 });
    if (result.code !== 0) {
      await rm(staging, { recursive: true, force: true });
      throw new WorkbenchError('INTERNAL', `The sample data could not be generated: ${result.stderr.trim() || `exit ${result.code}`}`);
    }
    await rm(this.summaryPath, { force: true });
    await rm(this.path, { recursive: true, force: true });
    await rename(staging, this.path);
    const summary = parseSummary(result.stdout.trim().split('\n').pop() ?? '');
    if (summary) await writeFile(this.summaryPath, `${JSON.stringify(summary)}\n`);
    return this.describe();
  }
}
