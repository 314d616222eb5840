import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sparkPython } from '../../../../../src/main/services/jobs/spark-python.ts';
import { useTempDir } from '../../../../fixtures/temp-dir.ts';

// The Python that runs Spark on this computer, found in an app folder (its .venv) or on PATH.
const PATH = process.env['PATH'];
afterEach(() => {
  process.env['PATH'] = PATH;
});

/** A folder for PATH holding `programs` (name -> a shell script's body, or a link to a real program). */
async function binWith(root: string, programs: Record<string, string | { link: string }>): Promise<string> {
  const bin = join(root, 'bin');
  await mkdir(bin, { recursive: true });
  for (const [name, program] of Object.entries(programs)) {
    if (typeof program === 'string') {
      await writeFile(join(bin, name), `#!/bin/sh\n${program}\n`);
      await chmod(join(bin, name), 0o755);
    } else await symlink(program.link, join(bin, name));
  }
  return bin;
}

// A python that imports pyspark: the repository's .venv one, run by its own path (a venv's
// python finds its packages from where it is called).
const WITH_PYSPARK_BODY = `exec ${resolve('.venv/bin/python')} "$@"`;
const WITH_PYSPARK = `#!/bin/sh\n${WITH_PYSPARK_BODY}\n`;
const JAVA = '/usr/bin/java';

describe('sparkPython', () => {
  it('takes the app folder’s .venv first', async () => {
    const root = await useTempDir('spark-python');
    await mkdir(join(root, '.venv', 'bin'), { recursive: true });
    await writeFile(join(root, '.venv', 'bin', 'python'), WITH_PYSPARK, { mode: 0o755 });
    process.env['PATH'] = await binWith(root, { python3: 'exit 1', java: { link: JAVA } });
    expect(await sparkPython(root)).toEqual({ python: join(root, '.venv', 'bin', 'python'), version: expect.stringMatching(/^3\.5\.\d+$/) });
  });

  it('falls back to a python3 on PATH that imports pyspark', async () => {
    const root = await useTempDir('spark-python');
    process.env['PATH'] = await binWith(root, { python3: WITH_PYSPARK_BODY, java: { link: JAVA } });
    expect(await sparkPython(root)).toEqual({ python: 'python3', version: expect.stringMatching(/^3\.5\.\d+$/) });
  });

  it('says to run npm run setup:python when no Python here has pyspark', async () => {
    const root = await useTempDir('spark-python');
    process.env['PATH'] = await binWith(root, { python3: 'echo "ModuleNotFoundError: No module named pyspark" >&2; exit 1', java: { link: JAVA } });
    expect(await sparkPython(root)).toEqual({
      missing: "No Python here imports pyspark (neither the repository's .venv nor python3). Run `npm run setup:python` in the app's folder: it creates .venv/ with pyspark 3.5.9 and installs Java 17 when missing.",
    });
  });

  it('names a pyspark of another line', async () => {
    const root = await useTempDir('spark-python');
    process.env['PATH'] = await binWith(root, { python3: 'echo 3.4.1', java: { link: JAVA } });
    expect(await sparkPython(root)).toEqual({ missing: expect.stringMatching(/^python3 has pyspark 3\.4\.1, not the 3\.5\.x line the Spark engine runs on\. Run `npm run setup:python`/) });
  });

  it('says Java is missing when java does not run', async () => {
    const root = await useTempDir('spark-python');
    process.env['PATH'] = await binWith(root, { python3: WITH_PYSPARK_BODY });
    expect(await sparkPython(root)).toEqual({ missing: expect.stringMatching(/^Spark needs Java, and `java -version` did not run here \(command not found\)\. Run `npm run setup:python` \(it installs openjdk-17-jre-headless\)/) });
  });
});
