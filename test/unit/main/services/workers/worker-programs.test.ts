import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';
import { workerProgram } from '../../../../../src/main/services/workers/worker-programs.ts';

const ROOT = resolve(__dirname, '../../../../..');
const WORKER_DIR = join(ROOT, 'resources/worker');

describe('workerProgram (the text of a program in resources/worker)', () => {
  it("is the file's text, as sent to a worker", async () => {
    for (const name of ['hash_service.py', 'run_outputs.py']) {
      expect(workerProgram(name)).toBe(await readFile(join(WORKER_DIR, name), 'utf8'));
    }
  });

  it('names a missing program and says to reinstall', () => {
    expect(() => workerProgram('no_such_program.py')).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/resources\/worker\/no_such_program\.py is missing .*Reinstall the app/) }));
  });

  it('is found when tsx runs it for an ES module (as the benchmarks do), whatever the working folder', async () => {
    const elsewhere = await useTempDir('worker-programs');
    const script = join(elsewhere, 'print-program.mts');
    const module = pathToFileURL(join(ROOT, 'src/main/services/workers/worker-programs.ts')).href;
    await writeFile(script, `import { workerProgram } from ${JSON.stringify(module)};\nprocess.stdout.write(workerProgram('run_outputs.py'));\n`);
    const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), script], { cwd: elsewhere });
    expect(stdout).toBe(await readFile(join(WORKER_DIR, 'run_outputs.py'), 'utf8'));
  });
});
