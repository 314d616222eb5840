import { parseArgs } from 'node:util';
import { CALL_NAMES, calls, isCallName } from '../shared/contract.ts';
import { parseS3Url, S3_URL_MESSAGE } from '../shared/data-source.ts';
import { printable } from '../shared/display-text.ts';
import type { TypedCall, WorkbenchClient } from '../shared/rpc-client.ts';
import type { AppPaths } from './built-paths.ts';
import { CLUSTER_USAGE, runClusterCommand } from './cli-cluster.ts';
import { PACK_USAGE, runInspectCommand, runPackCommand } from './cli-pack.ts';
import { RUN_USAGE, runJobCommand, type RunIo } from './cli-run.ts';
import { RUNS_USAGE, runAttachCommand, runRunsCommand } from './cli-runs.ts';
import { SCHEDULE_USAGE, runScheduleCommand } from './cli-schedule.ts';
import { withWorkbench } from './cli-session.ts';
import { UsageError } from './cli-usage.ts';
import { WORKER_USAGE, runWorkerCommand } from './cli-worker.ts';
import { runWebHost } from './web-host.ts';
import type { Workbench } from './workbench.ts';

const USAGE = `Usage: workbench <command> [options]

Commands:
  info                      version, data directory and notices
  web [--port N]            start the browser workbench on 127.0.0.1
  call <name> [json-input]  make any call of the contract (see 'workbench calls')
  calls                     list the calls
  sample-data [--size-mb N] [--to s3://BUCKET/PREFIX]
                            generate the sample data set (default 20 MB); with
                            --to, also copy it there (active AWS profile)
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
  cluster launch|list|extend|terminate
                            Spark clusters on EMR (see 'workbench cluster --help')
  schedule create|list|run-now|history|delete
                            scheduled jobs (see 'workbench schedule --help')

Options:
  --data-dir DIR            where settings and runs are kept
                            (default $XDG_DATA_HOME/analysis-workbench)
  --json                    print results as JSON
  -h, --help                this text`;

type Out = (line: string) => void;

/** How a command with its own arguments runs: given the typed client (and the core, for the few that need it). */
type CommandRun = (session: { client: WorkbenchClient; workbench: Workbench; args: string[]; out: Out; io: RunIo }) => Promise<number>;

interface Command {
  /** Shown for --help, and after any usage error of the command. */
  usage: string;
  /** Whether the command alone (no arguments) shows its usage (exit 2) rather than running. */
  bareShowsUsage?: boolean;
  run: CommandRun;
}

/** The commands that parse their own arguments; each opens the workbench for as long as it runs. */
const COMMANDS: Record<string, Command> = {
  pack: { usage: PACK_USAGE, run: ({ client, args, out }) => runPackCommand(client, args, out, (text) => process.stderr.write(text)) },
  inspect: { usage: PACK_USAGE, run: ({ client, args, out }) => runInspectCommand(client, args, out) },
  worker: { usage: WORKER_USAGE, bareShowsUsage: true, run: ({ client, workbench, args, out }) => runWorkerCommand(client, workbench.ec2, args, out) },
  cluster: { usage: CLUSTER_USAGE, bareShowsUsage: true, run: ({ client, workbench, args, out }) => runClusterCommand(client, workbench.clusters, args, out) },
  schedule: { usage: SCHEDULE_USAGE, bareShowsUsage: true, run: ({ client, args, out }) => runScheduleCommand(client, args, out) },
  run: { usage: RUN_USAGE, run: ({ client, args, io }) => runJobCommand(client, args, io) },
  runs: { usage: RUNS_USAGE, run: ({ client, args, out }) => runRunsCommand(client, args, out) },
  attach: { usage: RUNS_USAGE, run: ({ client, args, io }) => runAttachCommand(client, args, io) },
};

/** Runs one command; returns the process exit code (-1: still serving). Output goes to `out`. */
export async function runCli(argv: string[], options: { paths: AppPaths; out?: Out; runIo?: RunIo }): Promise<number> {
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
  const own = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (own) {
    if (rest.includes('--help') || rest.includes('-h') || (own.bareShowsUsage && rest.length === 0)) {
      out(own.usage);
      return rest.length === 0 ? 2 : 0;
    }
    const { args, dataDir } = takeDataDir(rest);
    try {
      return await withWorkbench({ dataDir, paths: options.paths }, (client, workbench) => own.run({ client, workbench, args, out, io: options.runIo ?? defaultRunIo() }));
    } catch (err) {
      if (err instanceof UsageError && err.help === undefined) throw new UsageError(err.message, own.usage);
      throw err;
    }
  }
  const { values, positionals } = parseArgs({
    args: rest,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false }, 'size-mb': { type: 'string' }, to: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (command === 'calls') {
    for (const name of CALL_NAMES) out(`${name.padEnd(24)} ${calls[name].doc}`);
    return 0;
  }
  if (command !== 'info' && command !== 'sample-data' && command !== 'call') throw new UsageError(`Unknown command "${printable(command)}". Run 'workbench --help' for the list.`);
  return withWorkbench({ dataDir: values['data-dir'], paths: options.paths }, (client) => runSimpleCommand(client, command, values, positionals, out));
}

async function runSimpleCommand(
  client: WorkbenchClient,
  command: 'info' | 'sample-data' | 'call',
  values: { json?: boolean; 'size-mb'?: string; to?: string },
  positionals: string[],
  out: Out,
): Promise<number> {
  switch (command) {
    case 'info': {
      const info = await client.call('app:info');
      if (values.json) out(JSON.stringify(info, null, 2));
      else {
        out(`${info.name} ${info.version}`);
        out(`data directory: ${info.dataDir}`);
        for (const notice of info.notices) out(`${notice.level}: ${notice.message}`);
      }
      // Printed is seen: kept notices are not shown again.
      for (const { id } of info.notices) if (id) await client.call('app:dismiss-notice', { id });
      return 0;
    }
    case 'sample-data': {
      const sizeMb = values['size-mb'] === undefined ? 20 : Number(values['size-mb']);
      if (values.to !== undefined && !parseS3Url(values.to)) throw new UsageError(`--to must be ${S3_URL_MESSAGE} (not "${printable(values.to)}").`);
      out(`Generating about ${sizeMb} MB of sample data ...`);
      const made = await client.call('jobs:generate-sample-data', { sizeMb });
      out(`${made.files} files, ${(made.bytes / 1e6).toFixed(1)} MB compressed${made.recordBytes !== undefined ? ` (${(made.recordBytes / 1e6).toFixed(1)} MB of records uncompressed)` : ''}, in ${made.path}`);
      if (values.to !== undefined) await uploadSample(client, values.to, out);
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
      if (!isCallName(name)) throw new Error(`There is no call named "${printable(name).slice(0, 80)}"; 'workbench calls' lists them.`);
      // Any call by the name typed: its input is checked by the call's schema like every other.
      const value = await (client.call as (name: string, input: unknown) => ReturnType<TypedCall>)(name, input);
      out(JSON.stringify(value, null, 2));
      return 0;
    }
  }
}

/** `sample-data --to`: copies the set to S3, one progress line per tenth of its bytes. */
async function uploadSample(client: WorkbenchClient, to: string, out: Out): Promise<void> {
  let shown = -1;
  const stop = client.subscribe(
    'data-sources:upload',
    (p) => {
      const tenth = p.bytesTotal ? Math.floor((10 * p.bytes) / p.bytesTotal) : 10;
      if (tenth === shown) return;
      shown = tenth;
      out(`Copying to ${to}: ${p.files}/${p.filesTotal} files, ${(p.bytes / 1e6).toFixed(1)} of ${(p.bytesTotal / 1e6).toFixed(1)} MB`);
    },
    to,
  );
  try {
    const done = await client.call('data-sources:upload-sample', { to });
    out(`Copied ${done.files} files (${(done.bytes / 1e6).toFixed(1)} MB) to ${to}.`);
  } finally {
    stop();
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

function defaultRunIo(): RunIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    onInterrupt: (cancel) => process.once('SIGINT', cancel),
    ...(process.stderr.isTTY && process.env['TERM'] !== 'dumb' ? { progressColumns: process.stderr.columns || 80 } : {}),
  };
}
