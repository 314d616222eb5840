import { join } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Run, RunOutput } from '../../../shared/model.ts';
import { LocalTransport } from '../workers/local.ts';
import type { Transport } from '../workers/transport.ts';
import type { OutputDownloads } from './output-downloads.ts';
import { retryWhileUnreachable } from './retry-unreachable.ts';
import { outputPath } from './run-outputs.ts';

/** What RunResults needs of the job service. */
interface Runs {
  get(runId: string): Promise<Run>;
  list(): Promise<Run[]>;
  /** The run's worker; marks the worker's runs worker-gone when it no longer exists. */
  reach(run: Run): Promise<Transport>;
}

/**
 * The results of finished runs, wherever they are: the output folder listed on the worker,
 * downloaded all or in part, every run of a worker fetched before it goes, and the text of a
 * downloaded file for the results viewer.
 */
export class RunResults {
  constructor(
    private readonly jobs: Runs,
    private readonly outputs: OutputDownloads,
    private readonly save: (run: Run) => Promise<void>,
  ) {}

  /** The text of a downloaded output file (the first `maxBytes` of it): `name`, else the first one here. */
  async result(runId: string, maxBytes: number, name?: string): Promise<{ name: string; text: string; truncated: boolean } | undefined> {
    const run = await this.jobs.get(runId);
    const file = name === undefined ? run.outputs.find((o) => o.downloaded) : run.outputs.find((o) => o.name === name);
    if (name !== undefined && !file?.downloaded) throw new WorkbenchError('NOT_FOUND', `${name} of run ${runId} is not on this computer; download it first.`);
    if (!run.resultDir || !file) return undefined;
    // Only the first maxBytes are read: a results file of gigabytes must not be read whole into
    // the app's memory (over 2 GiB it could not be read at all).
    const slice = await new LocalTransport(run.resultDir).readFrom(join(run.resultDir, ...outputPath('.', file.name).split('/')), 0, maxBytes);
    if (!slice) throw new WorkbenchError('NOT_FOUND', `${file.name} of run ${runId} is gone from ${run.resultDir}; download it again.`);
    return { name: file.name, text: slice.data.toString('utf8'), truncated: slice.size > maxBytes };
  }

  /** A finished run's output folder on the worker, listed again (sizes, and which files are here). */
  async listOutputs(runId: string): Promise<RunOutput[]> {
    const run = await this.jobs.get(runId);
    if (run.status === 'running') throw new WorkbenchError('BAD_INPUT', `Run ${runId} is still going; its output is listed when it ends.`);
    const transport = await this.jobs.reach(run);
    const outputs = await this.outputs.list(run, transport);
    if (!outputs) {
      if (run.outputs.some((o) => o.downloaded)) return run.outputs;
      throw new WorkbenchError('NOT_FOUND', `The output folder of run ${runId} is no longer on the worker.`);
    }
    await this.save({ ...(await this.jobs.get(runId)), outputs });
    return outputs;
  }

  /** Downloads some (`names`) or all of a finished run's output files; the run says where they are. */
  async download(runId: string, names?: string[]): Promise<Run> {
    const run = await this.jobs.get(runId);
    if (run.status === 'running') throw new WorkbenchError('BAD_INPUT', `Run ${runId} is still going; download its output when it ends.`);
    const transport = await this.jobs.reach(run);
    return retryWhileUnreachable(async () => this.outputs.download(await this.jobs.get(runId), transport, names));
  }

  /** Every finished run's output from one worker (before it goes away): the runs downloaded. */
  async downloadAllFrom(workerId: string): Promise<{ runs: number; files: number; bytes: number; failed: string[] }> {
    const done = { runs: 0, files: 0, bytes: 0, failed: [] as string[] };
    for (const run of await this.jobs.list()) {
      if (run.worker !== workerId || run.status === 'running' || run.status === 'worker-gone' || run.resultsLost) continue;
      if (run.outputs.length > 0 && run.outputs.every((o) => o.downloaded)) continue;
      try {
        const before = run.outputs.filter((o) => o.downloaded).length;
        const after = await this.download(run.id);
        const fetched = after.outputs.filter((o) => o.downloaded);
        done.runs += 1;
        done.files += fetched.length - before;
        done.bytes += fetched.reduce((sum, o) => sum + o.bytes, 0);
      } catch (err) {
        done.failed.push(`${run.id}: ${(err as Error).message}`);
      }
    }
    return done;
  }

}
