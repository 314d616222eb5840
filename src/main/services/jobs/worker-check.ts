import { WorkbenchError } from '../../../shared/errors.ts';
import type { Transport } from '../workers/transport.ts';

/** The oldest Python the runner (resources/worker/mapreduce) is written for. */
const MIN_PYTHON = [3, 6] as const;
const INSTALL_HINT = 'On Debian or Ubuntu: sudo apt-get install -y python3; on Amazon Linux or Fedora: sudo dnf install -y python3';

/**
 * Makes sure a worker can run jobs before anything is uploaded: the runner needs python3.
 * (boto3 is needed only by the runner's --bucket input; runs started here always pass
 * --local-only, so it is not asked for.) A worker that passed is not asked again.
 */
export class WorkerCheck {
  private readonly passed = new Set<string>();

  async ensure(transport: Transport, workerName: string): Promise<void> {
    const key = transport.root;
    if (this.passed.has(key)) return;
    const result = await transport.exec(['python3', '-c', 'import sys; print("%d %d" % sys.version_info[:2])'], { timeoutMs: 30_000 }).catch((err: Error) => {
      // A local spawn of a missing program fails here rather than with exit code 127.
      if (/ENOENT/.test(err.message)) return { code: 127, stdout: '', stderr: err.message };
      throw err;
    });
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
}
