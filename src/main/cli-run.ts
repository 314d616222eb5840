import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Run, RunRequest } from '../shared/model.ts';
import { Engine } from '../shared/packager-model.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import type { WorkerInfo } from '../shared/worker-model.ts';
import { printable } from '../shared/display-text.ts';
import { parseProgressLine } from '../shared/progress-view.ts';
import { CliProgress } from './cli-progress.ts';
import { UsageError } from './cli-usage.ts';

export const RUN_USAGE = `Usage: workbench run <JOB_DIR | example:NAME> (--local | --worker NAME) [options]

Runs a map/reduce job, prints its log live and exits with the job's code.
  --local              run on this computer
  --worker NAME        run on an SSH or EC2 worker, or a Spark cluster's master node (its name
                       or id, see 'workbench call workers:list'; a cluster's EMR id j-... too);
                       its output is downloaded when it ends. A cluster runs the job on Spark
                       over its YARN
  --output DIR         where the output goes (default ./<runId>-output for a worker)
  --script FILE        the map/reduce script in the job folder (default job.py)
  --filter FILE        the filter JSON (default the job folder's filter.json)
  --data DIR|s3://BUCKET/PREFIX
                       the data set: a folder on the worker (default the generated sample
                       data) or an S3 location, read here with the active AWS profile and
                       region (Settings), on a worker with its own credentials
  --mappers N          mapper processes (default 4)
  --reducers N         reducer processes (default 1)
  --timeout MINUTES    stop the job after this long (default 120)
  --engine local|spark local: the runner's own processes (default); spark: Apache Spark with
                       --mappers cores (on this computer it needs 'npm run setup:python', on a
                       worker pyspark 3.5 and Java 17, checked before the run starts)
  --detach             print the run id and return at once; the run goes on
                       ('workbench attach RUN_ID' follows it, 'workbench runs' lists runs)

Ctrl+C cancels the run. On a terminal the job's progress is a bar on stderr, otherwise
one line per step.`;

export interface RunIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Called with a function that cancels the run (for Ctrl+C). */
  onInterrupt?: (cancel: () => void) => void;
  /** The terminal's width when stderr is a terminal (progress is then a bar); else plain lines. */
  progressColumns?: number;
}

/** `workbench run`: start, stream the log (progress on stderr), exit with the job's code. */
export async function runJobCommand(client: WorkbenchClient, argv: string[], io: RunIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      local: { type: 'boolean', default: false },
      worker: { type: 'string' },
      output: { type: 'string' },
      script: { type: 'string' },
      filter: { type: 'string' },
      data: { type: 'string' },
      mappers: { type: 'string' },
      reducers: { type: 'string' },
      timeout: { type: 'string' },
      engine: { type: 'string' },
      detach: { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new UsageError('Name one job folder or example:NAME.');
  if (values.local === (values.worker !== undefined)) throw new UsageError('Say where to run: add --local for this computer, or --worker NAME.');
  if (values.detach && values.output !== undefined) throw new UsageError("--detach downloads nothing: give --output DIR to 'workbench attach RUN_ID' instead.");
  const engine = values.engine === undefined ? undefined : Engine.safeParse(values.engine).data;
  if (values.engine !== undefined && engine === undefined) {
    throw new UsageError(`--engine must be ${Engine.options.join(' or ')}, such as --engine spark (not "${printable(values.engine)}").`);
  }
  const worker = values.worker === undefined ? undefined : await findWorker(client, values.worker);
  if (worker?.kind === 'cluster' && engine === 'local') {
    throw new UsageError(`${printable(worker.name)} is a Spark cluster: jobs there run on Spark. Drop --engine local, or choose another worker.`);
  }

  const request: RunRequest = {
    source: target.startsWith('example:') ? { kind: 'example', name: target.slice('example:'.length) } : { kind: 'folder', path: target },
    ...(values.script !== undefined && { script: values.script }),
    ...(values.filter !== undefined && { filter: await readFilter(values.filter) }),
    ...(values.data !== undefined && { dataDir: values.data }),
    ...(values.mappers !== undefined && { mappers: Number(values.mappers) }),
    ...(values.reducers !== undefined && { reducers: Number(values.reducers) }),
    ...(values.timeout !== undefined && { timeoutMinutes: Number(values.timeout) }),
    ...(worker && { worker: worker.id }),
    ...(engine && { engine }),
  };

  const run = await client.call('jobs:start', request);
  io.stderr(`Run ${run.id} of ${printable(run.jobName)} started${worker ? ` on ${printable(worker.name)}` : ''}${run.request.engine === 'spark' ? ', on Spark' : ''}.\n`);
  for (const warning of run.warnings) io.stderr(`Warning: ${warning}\n`);
  if (values.detach) {
    io.stdout(`${run.id}\n`);
    io.stderr(`It goes on without this command: 'workbench attach ${run.id}' follows it and downloads its output.\n`);
    return 0;
  }
  const finished = await followToEnd(client, run, io);
  return endOfRun(client, finished, values.output ?? (worker ? `${finished.id}-output` : undefined), io);
}

/**
 * Prints a running run's log (its progress on stderr) until the run has ended and its end is
 * recorded (its log comes from the follower that started it, or `attach` started).
 */
export function followToEnd(client: WorkbenchClient, run: Run, io: RunIo): Promise<Run> {
  const progress = new CliProgress(io.stderr, io.progressColumns);
  return new Promise<Run>((resolve) => {
    let logDone = false;
    let final: Run | undefined;
    const settle = () => {
      if (!logDone || !final) return;
      stopLog();
      stopRun();
      progress.end();
      resolve(final);
    };
    const stopLog = client.subscribe(
      'jobs:log',
      (chunk) => {
        let text = '';
        for (const line of chunk.text.split(/(?<=\n)/)) {
          const snapshot = parseProgressLine(line.endsWith('\n') ? line.slice(0, -1) : line);
          if (snapshot) {
            if (text) progress.around(() => io.stdout(text));
            text = '';
            progress.show(snapshot);
          } else text += line;
        }
        if (text) progress.around(() => io.stdout(text));
        if (chunk.done) logDone = true;
        settle();
      },
      run.id,
    );
    const stopRun = client.subscribe(
      'jobs:run',
      (state) => {
        if (state.status !== 'running') final = state;
        settle();
      },
      run.id,
    );
    // A cancel that fails (the run ended meanwhile) leaves the run to end as it does.
    io.onInterrupt?.(() => void client.call('jobs:cancel', { runId: run.id }).catch(() => undefined));
  });
}

/** Says how the run ended, copies its output into `outputDir` (downloading what is not here) and returns the command's exit code. */
export async function endOfRun(client: WorkbenchClient, finished: Run, outputDir: string | undefined, io: RunIo): Promise<number> {
  io.stderr(`Run ${finished.id} ${finished.status}${finished.message && finished.status !== 'failed' ? `: ${finished.message}` : ''}.\n`);
  const here = outputDir === undefined ? finished : await fetchOutput(client, finished, resolve(outputDir));
  const outputs = here.outputs.map((o) => `${printable(`${outputDir === undefined ? here.resultDir : resolve(outputDir)}/${o.name}`)} (${o.bytes} bytes)`).join('\n  ');
  if (outputs) io.stderr(`Output:\n  ${outputs}\n`);
  return exitCodeOf(finished);
}

/** The command's exit code for a run that has ended: the job's own, 130 when cancelled (as after Ctrl+C), 1 when it has none. */
function exitCodeOf(run: Run): number {
  if (run.status === 'cancelled') return 130;
  return run.exitCode ?? 1;
}

/** A worker by id or name; the usage error lists the names there are. */
export async function findWorker(client: WorkbenchClient, nameOrId: string): Promise<WorkerInfo> {
  const workers = await client.call('workers:list');
  const found = workers.find((w) => w.id === nameOrId || w.cluster?.clusterId === nameOrId) ?? workers.find((w) => w.name === nameOrId);
  if (!found) {
    const names = workers.filter((w) => w.kind !== 'local').map((w) => `${w.name} (${w.id})`);
    throw new UsageError(`There is no worker "${printable(nameOrId)}". ${names.length ? `Workers: ${names.map(printable).join(', ')}.` : "Add one first (Workers view, or 'workbench call workers:add-ssh')."}`);
  }
  return found;
}

/** Downloads what is not here yet (verified) and copies the run's output files into `dir`. */
async function fetchOutput(client: WorkbenchClient, run: Run, dir: string): Promise<Run> {
  if (run.outputs.length === 0) return run;
  const here = await client.call('jobs:download', { runId: run.id }).catch((err: unknown) => {
    throw new Error(`The output stays on the worker: ${(err as Error).message}`, { cause: err });
  });
  for (const output of here.outputs) {
    const target = join(dir, ...output.name.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(here.resultDir ?? '', ...output.name.split('/')), target);
  }
  return here;
}

async function readFilter(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the filter ${path}: ${(err as Error).message}`, { cause: err });
  }
}
