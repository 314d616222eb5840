import { z } from 'zod';
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
