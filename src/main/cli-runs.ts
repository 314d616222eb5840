import { parseArgs } from 'node:util';
import { printable } from '../shared/display-text.ts';
import { RUN_ID_PATTERN } from '../shared/model.ts';
import type { WorkbenchClient } from '../shared/rpc-client.ts';
import { endOfRun, followToEnd, type RunIo } from './cli-run.ts';
import { UsageError } from './cli-usage.ts';

export const RUNS_USAGE = `Usage: workbench runs [--limit N] [--json]
       workbench attach RUN_ID [--output DIR] [--from-start]

runs     the run history, newest first (default the last 20); runs recorded as
         running are looked up on their worker, so those that ended meanwhile show their end
attach   follows a run started earlier (by 'workbench run --detach', or a command that
         was stopped): prints its log from now on (--from-start: all of it), then
         downloads its output into --output DIR (default ./<runId>-output for a worker)
         and exits with the job's code. Ctrl+C cancels the run.`;

/** `workbench runs`: the history, with runs that ended while no one followed them finished first. */
export async function runRunsCommand(client: WorkbenchClient, args: string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { limit: { type: 'string' }, json: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  if (positionals.length > 0) throw new UsageError(`runs takes no arguments (not "${positionals.join(' ')}").`);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit must be a whole number of runs, such as --limit 50 (not "${values.limit}").`);
  const recorded = (await client.call('jobs:list')).slice(0, limit);
  // jobs:get looks a running run up on its worker (and records its end when it has ended).
  const runs = await Promise.all(recorded.map((run) => (run.status === 'running' ? client.call('jobs:get', { runId: run.id }).catch(() => run) : run)));
  if (values.json) {
    out(JSON.stringify(runs, null, 2));
    return 0;
  }
  if (runs.length === 0) {
    out("No runs yet. Start one with 'workbench run'.");
    return 0;
  }
  const names = new Map((await client.call('workers:list')).map((w) => [w.id, w.name]));
  out(['RUN', 'STATUS'.padEnd(11), 'EXIT', 'STARTED (UTC)'.padEnd(19), 'WORKER'.padEnd(16), 'JOB'].join('  '));
  for (const run of runs) {
    const exit = run.exitCode === undefined ? '-' : String(run.exitCode);
    const started = run.createdAt.replace('T', ' ').slice(0, 19);
    out([printable(run.id), run.status.padEnd(11), exit.padEnd(4), started.padEnd(19), printable(names.get(run.worker) ?? run.worker).padEnd(16), printable(run.jobName)].join('  '));
  }
  return 0;
}

/** `workbench attach RUN_ID`: follows a run from where it is to its end, downloads its output, exits with its code. */
export async function runAttachCommand(client: WorkbenchClient, args: string[], io: RunIo): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { output: { type: 'string' }, 'from-start': { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  const [runId, ...extra] = positionals;
  if (!runId || extra.length > 0) throw new UsageError("attach needs one RUN_ID (see 'workbench runs').");
  if (!RUN_ID_PATTERN.test(runId)) throw new UsageError(`"${printable(runId)}" is not a run id; run ids look like 20261207-031500-a1b2c3 (see 'workbench runs').`);
  // The follower starts on the next turn of the event loop: following subscribes before it reads.
  const run = await client.call('jobs:attach', { runId, from: values['from-start'] ? 'start' : 'now' });
  if (run.status === 'running') io.stderr(`Following run ${run.id} of ${printable(run.jobName)}${values['from-start'] ? '' : ' from here on'}.\n`);
  else io.stderr(`Run ${run.id} had already ended.\n`);
  const finished = run.status === 'running' ? await followToEnd(client, run, io) : run;
  return endOfRun(client, finished, values.output ?? (finished.worker === 'local' ? undefined : `${finished.id}-output`), io);
}
