import { readFile } from 'node:fs/promises';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Engine } from '../../../shared/packager-model.ts';
import type { Transport } from '../workers/transport.ts';
import { PYSPARK_LINE, PYSPARK_PROBE, PYSPARK_VERSION, sparkPython } from './spark-python.ts';

/** The oldest Python the runner (resources/worker/mapreduce) is written for. */
const MIN_PYTHON = [3, 6] as const;
const INSTALL_HINT = 'On Debian or Ubuntu: sudo apt-get install -y python3; on Amazon Linux or Fedora: sudo dnf install -y python3';
const PYSPARK_HINT = `python3 -m pip install --user pyspark==${PYSPARK_VERSION}`;
const JAVA_HINT = 'On Debian or Ubuntu: sudo apt-get install -y openjdk-17-jre-headless; on Amazon Linux: sudo dnf install -y java-17-amazon-corretto-headless';

/** Whether a worker can run an engine; when it cannot, why and what to install. */
export type EngineStatus = { available: true } | { available: false; reason: string };

/**
 * Makes sure a worker can run jobs before anything is uploaded: the runner needs python3, and
 * its Spark engine pyspark and Java too (see pythonFor).
 * (boto3 is needed only by the runner's --bucket input; runs started here always pass
 * --local-only, so it is not asked for.) A worker that passed is not asked again.
 */
export class WorkerCheck {
  private readonly passed = new Set<string>();
  private readonly sparkPassed = new Set<string>();

  /**
   * `sparkHomeProgram`: the runner's mapreduce/sparkhome.py on this computer. Its text is the
   * pyspark probe run on workers, so a worker whose python3 reaches pyspark only through a Spark
   * installation (SPARK_HOME, or EMR's /usr/lib/spark) passes, as the runner finds it there too.
   * Without it the probe is a plain `import pyspark`.
   */
  constructor(private readonly options: { sparkHomeProgram?: string } = {}) {}

  async ensure(transport: Transport, workerName: string): Promise<void> {
    const key = transport.root;
    if (this.passed.has(key)) return;
    const result = await run(transport, ['python3', '-c', 'import sys; print("%d %d" % sys.version_info[:2])']);
    if (result.code !== 0) {
      throw new WorkbenchError(
        'NOT_FOUND',
        `${workerName} has no working python3, which runs the job (${result.code === 127 ? 'command not found' : result.stderr.trim() || `exit code ${result.code}`}). Install Python 3 there and run again. ${INSTALL_HINT}.`,
      );
    }
    const [major = 0, minor = 0] = result.stdout.trim().split(' ').map(Number);
    if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
      throw new WorkbenchError('NOT_FOUND', `${workerName} has Python ${major}.${minor}; the runner needs ${MIN_PYTHON.join('.')} or newer. ${INSTALL_HINT}.`);
    }
    this.passed.add(key);
  }

  /**
   * The Python that runs a job on `engine` there, once the worker has what the engine needs
   * (refused with what to install, before anything is uploaded). Spark on this computer
   * (`local`) runs on the repository's .venv when it has pyspark; on a worker, on its python3
   * with pyspark of the line the runner is made for, and Java.
   */
  async pythonFor(transport: Transport, workerName: string, engine: Engine, local: boolean): Promise<string> {
    if (engine === 'local') {
      await this.ensure(transport, workerName);
      return 'python3';
    }
    if (local) {
      const found = await sparkPython();
      if ('missing' in found) throw new WorkbenchError('NOT_FOUND', `This computer cannot run Spark jobs: ${found.missing}`);
      return found.python;
    }
    await this.ensure(transport, workerName);
    if (this.sparkPassed.has(transport.root)) return 'python3';
    const missing = await this.sparkMissing(transport);
    if (missing) throw new WorkbenchError('NOT_FOUND', `${workerName} cannot run Spark jobs: ${missing}`);
    this.sparkPassed.add(transport.root);
    return 'python3';
  }

  /** Which engines the worker can run now, and for one it cannot, why and what to install. */
  async engines(transport: Transport, workerName: string, local: boolean): Promise<Record<Engine, EngineStatus>> {
    const status = async (engine: Engine): Promise<EngineStatus> => {
      try {
        await this.pythonFor(transport, workerName, engine, local);
        return { available: true };
      } catch (err) {
        if (err instanceof WorkbenchError && err.code === 'NOT_FOUND') return { available: false, reason: err.message };
        throw err;
      }
    };
    const localEngine = await status('local');
    return { local: localEngine, spark: await status('spark') };
  }

  /** What Spark lacks on a worker (pyspark of the runner's line for python3, Java), or undefined when it has it all. */
  private async sparkMissing(transport: Transport): Promise<string | undefined> {
    const probe = this.options.sparkHomeProgram ? ['-c', await readFile(this.options.sparkHomeProgram, 'utf8')] : PYSPARK_PROBE;
    const pyspark = await run(transport, ['python3', ...probe]);
    if (pyspark.code !== 0) {
      return `its python3 has no pyspark (${lastLine(pyspark.stderr) || `exit code ${pyspark.code}`}). Install it there: ${PYSPARK_HINT}`;
    }
    const version = pyspark.stdout.trim();
    if (!version.startsWith(PYSPARK_LINE)) {
      return `its python3 has pyspark ${version}, and the Spark engine runs on the ${PYSPARK_LINE}x line (as on EMR 7). Install that one there: ${PYSPARK_HINT}`;
    }
    const java = await run(transport, ['java', '-version']);
    if (java.code !== 0) {
      return `Spark needs Java 17 and \`java -version\` did not run there (${java.code === 127 ? 'command not found' : lastLine(java.stderr) || `exit code ${java.code}`}). ${JAVA_HINT}.`;
    }
    return undefined;
  }
}

async function run(transport: Transport, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return transport.exec(argv, { timeoutMs: 60_000 }).catch((err: Error) => {
    // A local spawn of a missing program fails here rather than with exit code 127.
    if (/ENOENT/.test(err.message)) return { code: 127, stdout: '', stderr: err.message };
    throw err;
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() ?? '';
}
