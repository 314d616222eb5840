import { parseArgs } from 'node:util';
import { CALL_NAMES, calls } from '../shared/contract.ts';
import type { AppPaths } from './built-paths.ts';
import { PACK_USAGE, PackUsageError, runInspectCommand, runPackCommand } from './cli-pack.ts';
import { RUN_USAGE, RunUsageError, runJobCommand, type RunIo } from './cli-run.ts';
import { RUNS_USAGE, RunsUsageError, runAttachCommand, runRunsCommand } from './cli-runs.ts';
import { SCHEDULE_USAGE, ScheduleUsageError, runScheduleCommand } from './cli-schedule.ts';
import { WORKER_USAGE, WorkerUsageError, runWorkerCommand } from './cli-worker.ts';
import { resolveDataDir } from './data-dir.ts';
import { runWebHost } from './web-host.ts';
import { createWorkbench, type Workbench } from './workbench.ts';

const USAGE = `Usage: workbench <command> [options]

Commands:
  info                      version, data directory and notices
  web [--port N]            start the browser workbench on 127.0.0.1
  call <name> [json-input]  make any call of the contract (see 'workbench calls')
  calls                     list the calls
  sample-data [--size-mb N] generate the sample data set (default 20 MB)
  run <JOB_DIR> --local     run a map/reduce job here, following its log
  run <JOB_DIR> --worker NAME
                            run it on a worker and download its output
                            (see 'workbench run --help'; --detach returns at once)
  runs                      the run history (see 'workbench runs --help')
  attach RUN_ID             follow a run started earlier to its end, download
                            its output and exit with the job's code
  pack DIR -o FILE.tar.gz   pack a job folder into a reproducible tarball
  inspect FILE              a tarball's contents, entry point and problems
  worker launch|list|extend|terminate
                            EC2 workers (see 'workbench worker --help')
  schedule create|list|run-now|history|delete
                            scheduled jobs (see 'workbench schedule --help')

Options:
  --data-dir DIR            where settings and runs are kept
                            (default $XDG_DATA_HOME/analysis-workbench)
  --json                    print results as JSON
  -h, --help                this text`;

export class UsageError extends Error {}

/** Runs one command; returns the process exit code (-1: still serving). Output goes to `out`. */
export async function runCli(
  argv: string[],
  options: { paths: AppPaths; out?: (line: string) => void; runIo?: RunIo },
): Promise<number> {
  const out = options.out ?? console.log;
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'web') {
    await runWebHost(rest, options.paths);
    return -1; // keeps running
  }
  if (command === 'pack' || command === 'inspect') {
    if (rest.includes('--help') || rest.includes('-h')) {
      out(PACK_USAGE);
      return 0;
    }
    const { args, dataDir } = takeDataDir(rest);
    const workbench = await createWorkbench({ dataDir: resolveDataDir({ flag: dataDir }), host: 'cli', resourcesDir: options.paths.resourcesDir });
    try {
      return command === 'pack' ? await runPackCommand(workbench, args, out, (text) => process.stderr.write(text)) : await runInspectCommand(workbench, args, out);
    } catch (err) {
      if (err instanceof PackUsageError) throw new UsageError(`${err.message}\n\n${PACK_USAGE}`);
      throw err;
    } finally {
      await workbench.close();
    }
  }
  // Subcommand groups: help without a workbench, the data dir taken out, usage errors with their help.
  const groups = {
    worker: { usage: WORKER_USAGE, UsageError: WorkerUsageError, run: runWorkerCommand },
    schedule: { usage: SCHEDULE_USAGE, UsageError: ScheduleUsageError, run: runScheduleCommand },
  } as const;
  if (command === 'worker' || command === 'schedule') {
    const group = groups[command];
    if (rest.length === 0 || rest.includes('--help') || rest.includes('-h')) {
      out(group.usage);
      return rest.length === 0 ? 2 : 0;
    }
    const { args, dataDir } = takeDataDir(rest);
    const workbench = await createWorkbench({ dataDir: resolveDataDir({ flag: dataDir }), host: 'cli', resourcesDir: options.paths.resourcesDir });
    try {
      return await group.run(workbench, args, out);
    } catch (err) {
      if (err instanceof group.UsageError) throw new UsageError(`${err.message}\n\n${group.usage}`);
      throw err;
    } finally {
      await workbench.close();
    }
  }
  if (command === 'run' || command === 'runs' || command === 'attach') {
    const usage = command === 'run' ? RUN_USAGE : RUNS_USAGE;
    if (rest.includes('--help') || rest.includes('-h')) {
      out(usage);
      return 0;
    }
    const { args: runArgs, dataDir } = takeDataDir(rest);
    const workbench = await createWorkbench({ dataDir: resolveDataDir({ flag: dataDir }), host: 'cli', resourcesDir: options.paths.resourcesDir });
    try {
      const io = options.runIo ?? defaultRunIo();
      if (command === 'runs') return await runRunsCommand(workbench, runArgs, out);
      return await (command === 'run' ? runJobCommand : runAttachCommand)(workbench, runArgs, io);
    } catch (err) {
      if (err instanceof RunUsageError) throw new UsageError(err.message);
      if (err instanceof RunsUsageError) throw new UsageError(`${err.message}\n\n${RUNS_USAGE}`);
      throw err;
    } finally {
      await workbench.close();
    }
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false }, 'size-mb': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (command === 'calls') {
    for (const name of CALL_NAMES) out(`${name.padEnd(24)} ${calls[name].doc}`);
    return 0;
  }
  if (command !== 'info' && command !== 'sample-data' && command !== 'call') throw new UsageError(`Unknown command "${command}". Run 'workbench --help' for the list.`);
  const workbench = await createWorkbench({ dataDir: resolveDataDir({ flag: values['data-dir'] }), host: 'cli', resourcesDir: options.paths.resourcesDir });
  // Closed when the command is done: an open SSH connection would keep the process alive.
  try {
    return await runSimpleCommand(workbench, command, values, positionals, out);
  } finally {
    await workbench.close();
  }
}

async function runSimpleCommand(
  workbench: Workbench,
  command: 'info' | 'sample-data' | 'call',
  values: { json?: boolean; 'size-mb'?: string },
  positionals: string[],
  out: (line: string) => void,
): Promise<number> {
  switch (command) {
    case 'info': {
      const info = await callOrThrow(workbench, 'app:info', undefined);
      if (values.json) out(JSON.stringify(info, null, 2));
      else {
        const i = info as { name: string; version: string; dataDir: string; notices: { level: string; message: string }[] };
        out(`${i.name} ${i.version}`);
        out(`data directory: ${i.dataDir}`);
        for (const notice of i.notices) out(`${notice.level}: ${notice.message}`);
      }
      // Printed is seen: kept notices are not shown again.
      for (const { id } of (info as { notices: { id?: string }[] }).notices) if (id) await callOrThrow(workbench, 'app:dismiss-notice', { id });
      return 0;
    }
    case 'sample-data': {
      const sizeMb = values['size-mb'] === undefined ? 20 : Number(values['size-mb']);
      out(`Generating about ${sizeMb} MB of sample data ...`);
      const made = (await callOrThrow(workbench, 'jobs:generate-sample-data', { sizeMb })) as { path: string; files: number; bytes: number };
      out(`${made.files} files, ${(made.bytes / 1e6).toFixed(1)} MB compressed, in ${made.path}`);
      return 0;
    }
    case 'call': {
      const [name, json] = positionals;
      if (!name) throw new UsageError('call needs a call name; see `workbench calls`.');
      let input: unknown;
      try {
        input = json === undefined ? undefined : JSON.parse(json);
      } catch (err) {
        throw new UsageError(`The input for ${name} is not valid JSON: ${(err as Error).message}`);
      }
      const value = await callOrThrow(workbench, name, input);
      out(JSON.stringify(value, null, 2));
      return 0;
    }
  }
}

/**
 * `--data-dir DIR` taken out of a command's arguments (its own parser does not know it). A
 * missing value must not fall back to the default folder: `schedule delete X --yes --data-dir`
 * would act on the user's real data instead of the one meant.
 */
function takeDataDir(rest: string[]): { args: string[]; dataDir: string | undefined } {
  const at = rest.indexOf('--data-dir');
  if (at < 0) return { args: rest, dataDir: undefined };
  const value = rest[at + 1];
  if (value === undefined || value === '' || value.startsWith('-')) {
    throw new UsageError(`--data-dir needs a folder, such as --data-dir ~/analysis${value ? ` (not "${value}"; write ./${value} for a folder of that name)` : ''}.`);
  }
  return { args: [...rest.slice(0, at), ...rest.slice(at + 2)], dataDir: value };
}

async function callOrThrow(workbench: Workbench, name: string, input: unknown): Promise<unknown> {
  const result = await workbench.dispatch(name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function defaultRunIo(): RunIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    onInterrupt: (cancel) => process.once('SIGINT', cancel),
    ...(process.stderr.isTTY && process.env['TERM'] !== 'dumb' ? { progressColumns: process.stderr.columns || 80 } : {}),
  };
}
