import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { LogChunk, Run, RunRequest } from '../shared/model.ts';
import type { EventEnvelope } from '../shared/protocol.ts';
import type { Workbench } from './workbench.ts';

export const RUN_USAGE = `Usage: workbench run <JOB_DIR | example:NAME> --local [options]

Runs a map/reduce job on this computer, prints its log live and exits with the job's code.
  --script FILE        the map/reduce script in the job folder (default job.py)
  --filter FILE        the filter JSON (default the job folder's filter.json)
  --data DIR           the data set (default the generated sample data)
  --mappers N          mapper processes (default 4)
  --reducers N         reducer processes (default 1)
  --timeout MINUTES    stop the job after this long (default 120)`;

export interface RunIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Called with a function that cancels the run (for Ctrl+C). */
  onInterrupt?: (cancel: () => void) => void;
}

/** `workbench run`: start, stream the log (progress lines go to stderr), exit with the job's code. */
export async function runJobCommand(workbench: Workbench, argv: string[], io: RunIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      local: { type: 'boolean', default: false },
      script: { type: 'string' },
      filter: { type: 'string' },
      data: { type: 'string' },
      mappers: { type: 'string' },
      reducers: { type: 'string' },
      timeout: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [target] = positionals;
  if (!target || positionals.length > 1) throw new RunUsageError(`Name one job folder or example:NAME.\n\n${RUN_USAGE}`);
  if (!values.local) throw new RunUsageError(`Only --local runs exist so far: add --local to run on this computer.\n\n${RUN_USAGE}`);

  const request: RunRequest = {
    source: target.startsWith('example:') ? { kind: 'example', name: target.slice('example:'.length) } : { kind: 'folder', path: target },
    ...(values.script !== undefined && { script: values.script }),
    ...(values.filter !== undefined && { filter: await readFilter(values.filter) }),
    ...(values.data !== undefined && { dataDir: values.data }),
    ...(values.mappers !== undefined && { mappers: Number(values.mappers) }),
    ...(values.reducers !== undefined && { reducers: Number(values.reducers) }),
    ...(values.timeout !== undefined && { timeoutMinutes: Number(values.timeout) }),
  };

  const result = await workbench.dispatch('jobs:start', request);
  if (!result.ok) throw new Error(result.error.message);
  const run = result.value as Run;
  io.stderr(`Run ${run.id} of ${run.jobName} started.\n`);

  const finished = await new Promise<Run>((resolve) => {
    let logDone = false;
    let final: Run | undefined;
    const settle = () => {
      if (logDone && final) {
        subscriber.close();
        resolve(final);
      }
    };
    const subscriber = workbench.hub.connect((batch: EventEnvelope[]) => {
      for (const event of batch) {
        if (event.topic === 'jobs:log') {
          const chunk = event.payload as LogChunk;
          for (const line of chunk.text.split(/(?<=\n)/)) {
            if (line.startsWith('@progress ')) io.stderr(line);
            else if (line) io.stdout(line);
          }
          if (chunk.done) logDone = true;
        } else if (event.topic === 'jobs:run') {
          const state = event.payload as Run;
          if (state.status !== 'running') final = state;
        }
      }
      settle();
    });
    subscriber.subscribe({ topic: 'jobs:log', key: run.id });
    subscriber.subscribe({ topic: 'jobs:run', key: run.id });
    io.onInterrupt?.(() => void workbench.dispatch('jobs:cancel', { runId: run.id }));
  });

  const outputs = finished.outputs.map((o) => `${finished.resultDir}/${o.name} (${o.bytes} bytes)`).join('\n  ');
  io.stderr(`Run ${finished.id} ${finished.status}${finished.message && finished.status !== 'failed' ? `: ${finished.message}` : ''}.\n`);
  if (outputs) io.stderr(`Output:\n  ${outputs}\n`);
  if (finished.status === 'cancelled') return 130;
  return finished.exitCode ?? 1;
}

export class RunUsageError extends Error {}

async function readFilter(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the filter ${path}: ${(err as Error).message}`, { cause: err });
  }
}
