import { dirname, join, posix } from 'node:path';
import { WorkbenchError } from '../../../shared/errors.ts';
import { makeOwnFolder } from '../../data-dir.ts';
import type { Run, RunOutput } from '../../../shared/model.ts';
import type { Transport } from '../workers/transport.ts';
import type { FetchSession } from './output-fetch.ts';
import { runDirOf } from './job-protocol.ts';
import { listOutputFiles, outputPath } from './run-outputs.ts';

/** Progress reaches the UI at most this often while files download. */
const PROGRESS_MS = 250;

export interface OutputDownloadsOptions {
  /** Where downloaded outputs go on this computer: `<resultsDir>/<runId>/`. */
  resultsDir: string;
  openFetch: (workerId: string, transport: Transport) => Promise<FetchSession>;
  /** Stores a run and tells subscribers. */
  save: (run: Run) => Promise<void>;
}

/**
 * A finished run's output folder: listed on the worker with sizes, then downloaded, all or
 * some files, into `<resultsDir>/<runId>/` (the worker keeps its copy). The run records which
 * files are here, so history can say where the results are.
 */
export class OutputDownloads {
  private readonly busy = new Map<string, Promise<Run>>();

  constructor(private readonly options: OutputDownloadsOptions) {}

  remoteDir(run: Run, transport: Transport): string {
    return posix.join(runDirOf(transport, run.id), run.outputDir ?? 'output');
  }

  /** The files of the run's output folder on the worker; undefined when the folder is gone. */
  async list(run: Run, transport: Transport): Promise<RunOutput[] | undefined> {
    const files = await listOutputFiles(transport, this.remoteDir(run, transport), runDirOf(transport, run.id));
    if (!files) return undefined;
    const here = new Map(run.outputs.map((o) => [o.name, o]));
    return files.map((f) => ({ ...f, downloaded: here.get(f.name)?.downloaded === true && here.get(f.name)?.bytes === f.bytes }));
  }

  /**
   * Downloads `names` (default: every file not here yet). One download per run at a time; a
   * second request waits for the first and then fetches what is still missing. The run is
   * saved with its progress and the result, unless `staged` takes the progress: then the
   * caller saves the returned run (a run that is finishing announces its end only once its
   * output is here).
   */
  async download(run: Run, transport: Transport, names?: string[], staged?: (bytesDone: number, bytesTotal: number) => void): Promise<Run> {
    const previous = this.busy.get(run.id);
    const next = (previous ?? Promise.resolve(run)).catch(() => run).then((latest) => this.fetch(latest, transport, names, staged));
    this.busy.set(run.id, next);
    try {
      return await next;
    } finally {
      if (this.busy.get(run.id) === next) this.busy.delete(run.id);
    }
  }

  private async fetch(run: Run, transport: Transport, names?: string[], staged?: (bytesDone: number, bytesTotal: number) => void): Promise<Run> {
    const save = staged ? async (r: Run) => r.download && staged(r.download.bytesDone, r.download.bytesTotal) : this.options.save;
    const known = run.outputs.length > 0 ? run.outputs : ((await this.list(run, transport)) ?? []);
    const unknown = (names ?? []).filter((n) => !known.some((o) => o.name === n));
    if (unknown.length > 0) throw new WorkbenchError('NOT_FOUND', `The run's output has no file ${unknown.join(', ')}; list it again to see what is there.`);
    const wanted = known.filter((o) => (names ? names.includes(o.name) : !o.downloaded));
    const resultDir = join(this.options.resultsDir, run.id);
    if (wanted.length === 0) return run;
    // The results folder is the app's own (in its data dir): a link there is refused by name.
    await makeOwnFolder(dirname(this.options.resultsDir), resultDir);
    const remoteDir = this.remoteDir(run, transport);
    const bytesTotal = wanted.reduce((sum, o) => sum + o.bytes, 0);
    let bytesDone = 0;
    let lastEmit = 0;
    let current: Run = { ...run, outputs: known, download: { bytesDone, bytesTotal } };
    await save(current);
    const session = await this.options.openFetch(run.worker, transport);
    try {
      for (const file of wanted) {
        await session.fetch(outputPath(remoteDir, file.name), join(resultDir, ...outputPath('.', file.name).split('/')), (bytes) => {
          bytesDone += bytes;
          if (Date.now() - lastEmit >= PROGRESS_MS) {
            lastEmit = Date.now();
            current = { ...current, download: { bytesDone, bytesTotal } };
            void save(current);
          }
        });
        current = { ...current, resultDir, outputs: current.outputs.map((o) => (o.name === file.name ? { ...o, downloaded: true } : o)) };
      }
    } catch (err) {
      const { download: _stopped, ...rest } = current;
      await save(rest);
      throw err;
    } finally {
      session.close();
    }
    const { download: _done, ...finished } = current;
    await save(finished);
    return finished;
  }
}
