import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerProgram } from '../../../../../src/main/services/workers/worker-programs.ts';

const WORKER_DIR = join(__dirname, '../../../../../resources/worker');

describe('workerProgram (the text of a program in resources/worker)', () => {
  it("is the file's text, as sent to a worker", async () => {
    for (const name of ['hash_service.py', 'run_outputs.py']) {
      expect(workerProgram(name)).toBe(await readFile(join(WORKER_DIR, name), 'utf8'));
    }
  });

  it('names a missing program and says to reinstall', () => {
    expect(() => workerProgram('no_such_program.py')).toThrow(expect.objectContaining({ code: 'INTERNAL', message: expect.stringMatching(/resources\/worker\/no_such_program\.py is missing .*Reinstall the app/) }));
  });
});
