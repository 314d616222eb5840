import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCliProcess } from '../../fixtures/cli-process.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { MATCH_ALL_FILTER, writeTelemetryData } from '../../fixtures/telemetry-data.ts';

const JOB = `
def map(key, dims, value, context):
    context.write(dims[1], 1)

def reduce(key, values, context):
    context.write(key, sum(values))
`;

describe("workbench run shows the job's progress for people", () => {
  let root: string;
  let args: string[];

  beforeEach(async () => {
    root = await useTempDir('cli-progress');
    await writeTelemetryData(
      join(root, 'data'),
      Array.from({ length: 20 }, (_, i) => ({ dims: ['saved-session', i % 2 ? 'Firefox' : 'Fennec', 'release', '41.0', '20151001000000', '20261128'] as const, payload: { i } }) as never),
    );
    await mkdir(join(root, 'job'));
    await writeFile(join(root, 'job', 'job.py'), JOB);
    await writeFile(join(root, 'job', 'filter.json'), MATCH_ALL_FILTER);
    args = ['run', join(root, 'job'), '--local', '--data', join(root, 'data'), '--mappers', '1', '--data-dir', join(root, 'app')];
  });

  it('as one plain line per step when stderr is not a terminal', async () => {
    const { code, stdout, stderr } = await runCliProcess(args);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('@progress');
    expect(stdout).not.toContain('@progress');
    const steps = stderr.split('\n').filter((line) => /^(Map|Reduce|Done)\b/.test(line));
    expect(steps[0]).toMatch(/^Map 0%: 0 of 2 files · 0 bytes of [\d.]+ (bytes|KB) · 0 records · \d+ s$/);
    expect(steps.at(-1)).toMatch(/^Done 100%: 2 of 2 files · .* · 20 records · \d+ s$/);
    expect(steps.some((line) => line.startsWith('Reduce '))).toBe(true);
  });

  it('as a bar redrawn in place on a terminal, leaving its last state as a line', async () => {
    const { code, stdout } = await runCliProcess(args, { terminal: true });
    expect(code, stdout).toBe(0);
    const shown = stdout.replaceAll('\x1b[K', '<erase line>');
    expect(stdout).not.toContain('@progress');
    // Each state is drawn from the start of the line and erases what was there.
    expect(shown).toMatch(/\rMap \[\.{24}\] {3}0% {2}0 of 2 files .*<erase line>/);
    expect(shown).toMatch(/\rDone \[#{24}\] 100% {2}2 of 2 files .*<erase line>/);
    expect(shown).toMatch(/\rDone 100%: 2 of 2 files · .* · 20 records · \d+ s<erase line>\r?\n/);
    expect(stdout).toMatch(/Run \S+ succeeded\./);
  });
});
