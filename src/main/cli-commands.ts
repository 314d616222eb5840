import { parseArgs } from 'node:util';
import { CALL_NAMES, calls } from '../shared/contract.ts';
import type { AppPaths } from './built-paths.ts';
import { resolveDataDir } from './data-dir.ts';
import { runWebHost } from './web-host.ts';
import { createWorkbench, type Workbench } from './workbench.ts';

const USAGE = `Usage: workbench <command> [options]

Commands:
  info                      version, data directory and notices
  web [--port N]            start the browser workbench on 127.0.0.1
  call <name> [json-input]  make any call of the contract (see 'workbench calls')
  calls                     list the calls

Options:
  --data-dir DIR            where settings and runs are kept
                            (default $XDG_DATA_HOME/analysis-workbench)
  --json                    print results as JSON
  -h, --help                this text`;

export class UsageError extends Error {}

/** Runs one command; returns the process exit code (-1: still serving). Output goes to `out`. */
export async function runCli(
  argv: string[],
  options: { paths: AppPaths; out?: (line: string) => void },
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
  const { values, positionals } = parseArgs({
    args: rest,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const open = () => createWorkbench({ dataDir: resolveDataDir({ flag: values['data-dir'] }), host: 'cli', resourcesDir: options.paths.resourcesDir });

  switch (command) {
    case 'calls':
      for (const name of CALL_NAMES) out(`${name.padEnd(24)} ${calls[name].doc}`);
      return 0;
    case 'info': {
      const workbench = await open();
      const info = await callOrThrow(workbench, 'app:info', undefined);
      if (values.json) out(JSON.stringify(info, null, 2));
      else {
        const i = info as { name: string; version: string; dataDir: string; notices: { level: string; message: string }[] };
        out(`${i.name} ${i.version}`);
        out(`data directory: ${i.dataDir}`);
        for (const notice of i.notices) out(`${notice.level}: ${notice.message}`);
      }
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
      const value = await callOrThrow(await open(), name, input);
      out(JSON.stringify(value, null, 2));
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}". Run 'workbench --help' for the list.`);
  }
}

async function callOrThrow(workbench: Workbench, name: string, input: unknown): Promise<unknown> {
  const result = await workbench.dispatch(name, input);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

