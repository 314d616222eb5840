import { z } from 'zod';
import {
  PendingHostKey,
  RemoteListing,
  RemotePath,
  SshWorkerSpec,
  TerminalData,
  TerminalId,
  WorkerId,
  WorkerInfo,
  WorkerState,
} from './worker-model.ts';
import { AppInfo, Example, LogChunk, Run, RunId, RunRequest, RunResult, SampleData, Settings, SettingsPatch } from './model.ts';

/**
 * The one contract: every call and event that crosses from the UI (or the CLI) to the core.
 * Preload, the WebSocket client, the CLI and rpc.ts are all derived from these tables, so a
 * call exists everywhere or nowhere. Names are `domain:verb`.
 */

const NoInput = z.union([z.undefined(), z.null(), z.object({}).strict()]).transform(() => undefined);

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const calls = {
  'app:info': call(NoInput, AppInfo, 'Version, data directory, host kind and start-up notices.'),
  'settings:get': call(NoInput, Settings, 'The current settings.'),
  'settings:set': call(SettingsPatch, Settings, 'Change some settings; returns all of them.'),

  'jobs:examples': call(NoInput, z.array(Example), 'The example jobs.'),
  'jobs:sample-data': call(NoInput, SampleData, 'Where the sample data set is and how big.'),
  'jobs:generate-sample-data': call(
    z.object({ sizeMb: z.number().int().min(1).max(4096).default(20) }).strict(),
    SampleData,
    'Generate the sample data set (about sizeMb uncompressed).',
  ),
  'jobs:start': call(RunRequest, Run, 'Start a map/reduce run on this computer.'),
  'jobs:list': call(NoInput, z.array(Run), 'Run history, newest first.'),
  'jobs:get': call(z.object({ runId: RunId }).strict(), Run, 'One run.'),
  'jobs:log': call(
    z.object({ runId: RunId, offset: z.number().int().nonnegative(), limit: z.number().int().min(1).max(16 * 1024 * 1024).optional() }).strict(),
    LogChunk,
    "A piece of a run's log from a byte offset.",
  ),
  'jobs:cancel': call(z.object({ runId: RunId }).strict(), Run, 'Cancel a run (its whole process group).'),
  'jobs:result': call(
    z.object({ runId: RunId, maxBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(4 * 1024 * 1024) }).strict(),
    RunResult.nullable(),
    "The start of a finished run's output.",
  ),

  'workers:list': call(NoInput, z.array(WorkerInfo), 'This computer and your SSH hosts, with their connection state.'),
  'workers:add-ssh': call(SshWorkerSpec, WorkerInfo, 'Add an SSH host (an address or an ssh_config alias) as a worker.'),
  'workers:remove': call(z.object({ workerId: WorkerId }).strict(), z.null(), 'Forget an SSH host worker (nothing on it is touched).'),
  'workers:connect': call(z.object({ workerId: WorkerId }).strict(), WorkerInfo, 'Connect to a worker, verifying its host key.'),
  'workers:disconnect': call(z.object({ workerId: WorkerId }).strict(), WorkerInfo, 'Close the connection to a worker.'),
  'workers:pending-host-key': call(z.object({ workerId: WorkerId }).strict(), PendingHostKey.nullable(), 'A host key waiting for your decision.'),
  'workers:trust-host-key': call(
    z.object({ workerId: WorkerId, fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a SHA256 fingerprint') }).strict(),
    WorkerInfo,
    'Trust the key a host showed (its fingerprint must be the one shown), then connect.',
  ),
  'terminal:open': call(
    z.object({ workerId: WorkerId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) }).strict(),
    z.object({ terminalId: TerminalId }),
    'Open a shell on a worker.',
  ),
  'terminal:input': call(z.object({ terminalId: TerminalId, data: z.string().max(1_000_000) }).strict(), z.null(), 'Type into a terminal.'),
  'terminal:resize': call(
    z.object({ terminalId: TerminalId, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(2).max(1000) }).strict(),
    z.null(),
    'Resize a terminal.',
  ),
  'terminal:close': call(z.object({ terminalId: TerminalId }).strict(), z.null(), 'Close a terminal.'),
  'files:list': call(z.object({ workerId: WorkerId, path: RemotePath.optional() }).strict(), RemoteListing, 'List a folder on a worker (default: home).'),
  'files:mkdir': call(z.object({ workerId: WorkerId, path: RemotePath }).strict(), z.null(), 'Create a folder on a worker.'),
  'files:rename': call(z.object({ workerId: WorkerId, from: RemotePath, to: RemotePath }).strict(), z.null(), 'Rename or move a file or folder on a worker.'),
  'files:delete': call(z.object({ workerId: WorkerId, path: RemotePath }).strict(), z.null(), 'Delete a file or folder (with its contents) on a worker.'),
} as const;

/**
 * Events stream from the core to subscribers. A subscription names a topic and optionally a
 * key (e.g. a run id) to receive only that key's events. Delivery is batched per frame.
 */
export const events = {
  'settings:changed': Settings,
  /** Keyed by run id: new log text, in order, by byte offset. */
  'jobs:log': LogChunk,
  /** Keyed by run id: a run's state and progress changed. */
  'jobs:run': Run,
  /** Keyed by worker id: a connection's state changed. */
  'workers:state': WorkerState,
  /** Keyed by worker id: a host key needs the user's decision. */
  'workers:host-key': PendingHostKey,
  /** Keyed by terminal id: output of the shell. */
  'terminal:data': TerminalData,
} as const;

export type CallName = keyof typeof calls;
export type CallInput<N extends CallName> = z.input<(typeof calls)[N]['input']>;
export type ParsedCallInput<N extends CallName> = z.output<(typeof calls)[N]['input']>;
export type CallOutput<N extends CallName> = z.output<(typeof calls)[N]['output']>;
export type EventName = keyof typeof events;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export const CALL_NAMES = Object.keys(calls) as CallName[];
export const EVENT_NAMES = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.hasOwn(calls, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** How long the core collects events before sending them as one batch (one display frame). */
export const EVENT_FRAME_MS = 16;
