import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Example } from '../../../shared/model.ts';

/** The example jobs shipped in resources/examples, one folder each with job.py and filter.json. */
export class ExampleCatalog {
  constructor(private readonly dir: string) {}

  async list(): Promise<Example[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const examples: Example[] = [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = join(this.dir, entry.name);
      const files = (await readdir(dir)).filter((f) => f !== 'output' && !f.startsWith('.') && f !== '__pycache__').sort();
      if (!files.includes('job.py')) continue;
      examples.push({ name: entry.name, description: await describe(dir), files });
    }
    return examples;
  }

  async get(name: string): Promise<Example & { dir: string }> {
    const example = (await this.list()).find((e) => e.name === name);
    if (!example) throw new WorkbenchError('NOT_FOUND', `There is no example job named "${name}".`);
    return { ...example, dir: join(this.dir, name) };
  }
}

/** The first paragraph of the example's README, without its heading. */
async function describe(dir: string): Promise<string> {
  const text = await readFile(join(dir, 'README.md'), 'utf8').catch(() => '');
  const paragraph = text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .find((p) => p !== '' && !p.startsWith('#'));
  // Shown as plain text: drop Markdown's code marks.
  return paragraph?.replace(/\s+/g, ' ').replace(/`/g, '') ?? '';
}
