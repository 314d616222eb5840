import { z } from 'zod';
import { call, NoInput } from './call-spec.ts';
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
import { AppInfo, Example, LogChunk, Run, RunId, RunOutput, RunRequest, RunResult, SampleData, Settings, SettingsPatch } from './model.ts';
import {
  FileContent,
  JobName,
  MAX_WRITE_CHARS,
  NewJobSource,
  PythonDiagnostic,
  RelativePath,
  Workspace,
  WorkspaceChanged,
  WorkspaceRoot,
  WorkspaceSummary,
  WrittenFile,
} from './workspace.ts';
import { BuildId, BuildRequest, BuildResult, Inspection, PackProgress, ScanRequest, ScanResult, WrapperSpec, WrapperText } from './packager-model.ts';
import { DownloadRequest, LocalListing, LocalPath, ResolveConflictRequest, TransferId, TransferSnapshot, UploadRequest } from './transfer-model.ts';
import { scheduleCalls, scheduleEvents } from './schedule-calls.ts';
import { publishCalls, publishEvents } from './publish-calls.ts';
import { awsScheduleCalls } from './aws-schedule-calls.ts';
import { resultsCalls, resultsEvents } from './results-calls.ts';
import { clusterCalls, clusterEvents } from './cluster-calls.ts';
import { tunnelCalls } from './tunnel-model.ts';
import { DataSource, MatchPreview, MatchPreviewRequest, UploadProgress, UploadSampleRequest } from './data-source.ts';
import { AwsIdentity, AwsProfiles, Cidr, Ec2List, Ec2Warning, Ec2Worker, Ec2WorkerId, LaunchRequest, MAX_LIFETIME_HOURS, ProfileRef, StoreKeysRequest } from './ec2-model.ts';

/**
 * The one contract: every call and event that crosses from the UI (or the CLI) to the core.
 * Preload, the WebSocket client, the CLI and rpc.ts are all derived from these tables, so a
 * call exists everywhere or nowhere. Names are `domain:verb`.
 */

/** Whether a worker can run an engine; when it cannot, why and what to install. */
const EngineStatus = z.discriminatedUnion('available', [z.object({ available: z.literal(true) }), z.object({ available: z.literal(false), reason: z.string() })]);

export const calls = {
  'app:info': call(NoInput, AppInfo, 'Version, data directory, host kind and start-up notices.'),
  'app:dismiss-notice': call(z.object({ id: z.string().min(1).max(200) }).strict(), z.null(), 'Forget a kept notice the user has seen.'),
  'settings:get': call(NoInput, Settings, 'The current settings.'),
  'settings:set': call(SettingsPatch, Settings, 'Change some settings; returns all of them.'),

  'jobs:examples': call(NoInput, z.array(Example), 'The example jobs.'),
  'jobs:sample-data': call(NoInput, SampleData, 'Where the sample data set is and how big.'),
  'jobs:generate-sample-data': call(
    z.object({ sizeMb: z.number().int().min(1).max(4096).default(20) }).strict(),
    SampleData,
    'Generate the sample data set (about sizeMb uncompressed).',
  ),
  'jobs:start': call(RunRequest, Run, 'Start a map/reduce run on this computer or on a worker (`worker`).'),
  'jobs:engines': call(
    z.object({ worker: WorkerId.default('local') }).strict(),
    z.object({ local: EngineStatus, spark: EngineStatus }),
    'Which engines (local, spark) a worker can run jobs on now; for one it cannot, the reason says what is missing and what to install.',
  ),
  'jobs:match-preview': call(
    MatchPreviewRequest,
    MatchPreview,
    'What a filter matches in a data source (a folder or s3://BUCKET/PREFIX, listed level by level as the runner does): files, bytes, the first keys, the run-time estimate on the worker, and for S3 the transfer cost.',
  ),
  'data-sources:upload-sample': call(
    UploadSampleRequest,
    UploadProgress,
    'Copy the generated sample data set to s3://BUCKET/PREFIX with the active AWS profile (progress on data-sources:upload); refused before anything is copied when the bucket is missing or cannot be written.',
  ),
  'data-sources:list': call(NoInput, z.array(DataSource), 'The saved data sources.'),
  'data-sources:add': call(DataSource, z.array(DataSource), 'Save a data source once it can be read (the folder exists here; the S3 location can be listed with the active AWS profile); returns all.'),
  'data-sources:remove': call(z.object({ location: z.string().min(1).max(4096) }).strict(), z.array(DataSource), 'Forget the saved data source at this folder or S3 location; returns the rest.'),
  'jobs:list': call(NoInput, z.array(Run), 'Run history, newest first.'),
  'jobs:get': call(z.object({ runId: RunId }).strict(), Run, 'One run.'),
  'jobs:attach': call(
    z.object({ runId: RunId, from: z.enum(['start', 'now']).default('now') }).strict(),
    Run,
    'Follow a running run no one here follows (one a command started, say): its log arrives as jobs:log from its start or from now on, and its end is recorded.',
  ),
  'jobs:log': call(
    z.object({ runId: RunId, offset: z.number().int().nonnegative(), limit: z.number().int().min(1).max(16 * 1024 * 1024).optional() }).strict(),
    LogChunk,
    "A piece of a run's log from a byte offset.",
  ),
  'jobs:cancel': call(z.object({ runId: RunId }).strict(), Run, 'Cancel a run (its whole process group).'),
  'jobs:result': call(
    z.object({ runId: RunId, maxBytes: z.number().int().min(1).max(64 * 1024 * 1024).default(4 * 1024 * 1024), name: z.string().min(1).max(4096).optional() }).strict(),
    RunResult.nullable(),
    "The start of a finished run's downloaded output file (`name`, default the first one here).",
  ),
  'jobs:outputs': call(z.object({ runId: RunId }).strict(), z.array(RunOutput), "A finished run's output folder on its worker: files, sizes, which are downloaded."),
  'jobs:download': call(
    z.object({ runId: RunId, names: z.array(z.string().min(1).max(4096)).max(10_000).optional() }).strict(),
    Run,
    "Download a finished run's output files (`names`, default all not here yet), verified; progress on jobs:run.",
  ),
  'jobs:download-worker-results': call(
    z.object({ workerId: WorkerId }).strict(),
    z.object({ runs: z.number(), files: z.number(), bytes: z.number(), failed: z.array(z.string()) }),
    "Download every finished run's output from one worker (before it terminates).",
  ),

  'workspace:list': call(NoInput, z.array(WorkspaceSummary), 'The job workspaces in the data folder, newest first.'),
  'workspace:open': call(z.object({ path: WorkspaceRoot }).strict(), Workspace, 'Open a folder as a job workspace (watched for changes); its tree.'),
  'workspace:close': call(z.object({ root: WorkspaceRoot }).strict(), z.null(), 'Stop watching a workspace.'),
  'workspace:new': call(z.object({ name: JobName, from: NewJobSource }).strict(), Workspace, 'A new job workspace from the template or an example, opened.'),
  'workspace:tree': call(z.object({ root: WorkspaceRoot }).strict(), Workspace, "An open workspace's files and folders."),
  'workspace:read': call(
    z.object({ root: WorkspaceRoot, path: RelativePath, large: z.boolean().default(false) }).strict(),
    FileContent,
    'A file of an open workspace: its text, or why it is not shown (binary, unreadable, over 20 MB unless large).',
  ),
  'workspace:write': call(
    z.object({ root: WorkspaceRoot, path: RelativePath, text: z.string().max(MAX_WRITE_CHARS) }).strict(),
    WrittenFile,
    'Save a file of an open workspace (atomically).',
  ),
  'workspace:create': call(z.object({ root: WorkspaceRoot, path: RelativePath, kind: z.enum(['file', 'folder']) }).strict(), z.null(), 'Create an empty file or a folder.'),
  'workspace:rename': call(z.object({ root: WorkspaceRoot, from: RelativePath, to: RelativePath }).strict(), z.null(), 'Rename or move a file or folder.'),
  'workspace:delete': call(z.object({ root: WorkspaceRoot, path: RelativePath }).strict(), z.null(), 'Delete a file or a folder with its contents.'),
  'workspace:check-python': call(
    z.object({ root: WorkspaceRoot, path: RelativePath, text: z.string().max(MAX_WRITE_CHARS).optional() }).strict(),
    z.array(PythonDiagnostic),
    'Syntax and map/reduce shape check of a script by python3 (the given text, else the saved file).',
  ),

  'workers:list': call(NoInput, z.array(WorkerInfo), 'This computer, your SSH hosts and your EC2 workers (with their time left), with their connection state.'),
  'workers:add-ssh': call(SshWorkerSpec, WorkerInfo, 'Add an SSH host (an address or an ssh_config alias) as a worker.'),
  'workers:remove': call(z.object({ workerId: WorkerId }).strict(), z.null(), 'Forget an SSH host worker (nothing on it is touched).'),
  'workers:connect': call(z.object({ workerId: WorkerId }).strict(), WorkerInfo, 'Connect to a worker, verifying its host key.'),
  'workers:disconnect': call(z.object({ workerId: WorkerId }).strict(), WorkerInfo, 'Close the connection to a worker.'),
  'workers:pending-host-key': call(z.object({ workerId: WorkerId }).strict(), PendingHostKey.nullable(), 'A host key waiting for your decision.'),
  'workers:trust-host-key': call(
    z.object({ workerId: WorkerId, fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a SHA256 fingerprint') }).strict(),
    WorkerInfo,
    "Trust a host's new key (its fingerprint must be the one checked), then connect; with no key waiting from an earlier attempt, the host is connected to first to see it.",
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
  'transfers:upload': call(UploadRequest, z.array(TransferId), 'Queue files or folders of this computer for upload into a folder on a worker; their transfer ids.'),
  'transfers:download': call(DownloadRequest, z.array(TransferId), "Queue files or folders of a worker for download into a folder here (default: the app's downloads folder)."),
  'transfers:list': call(NoInput, TransferSnapshot, 'Every transfer with its progress, and the totals (also sent as transfers:changed).'),
  'transfers:cancel': call(z.object({ id: TransferId }).strict(), z.null(), 'Stop a transfer; what arrived is kept, so a retry continues from there.'),
  'transfers:retry': call(z.object({ id: TransferId }).strict(), z.null(), 'Run a failed, cancelled or interrupted transfer again, from the bytes already there.'),
  'transfers:resolve-conflict': call(ResolveConflictRequest, z.null(), 'Answer a transfer waiting because its destination exists: overwrite, skip, rename or resume.'),
  'transfers:clear-finished': call(NoInput, z.null(), 'Drop done, failed and cancelled transfers from the list.'),
  'local:list': call(z.object({ path: LocalPath.optional() }).strict(), LocalListing, 'List a folder on this computer (default: home), to pick files to upload or a download folder.'),

  'aws:profiles': call(NoInput, AwsProfiles, 'AWS profiles (shared files, environment, keys entered here): names and regions only.'),
  'aws:select-profile': call(z.object({ ref: ProfileRef }).strict(), AwsProfiles, 'Use this profile for EC2 workers.'),
  'aws:check': call(z.object({ ref: ProfileRef.optional() }).strict(), AwsIdentity, "Check a profile (default: the active one) with STS GetCallerIdentity: its account and region."),
  'aws:store-keys': call(StoreKeysRequest, AwsProfiles, 'Keep an access key in the app, encrypted by the OS keychain (refused where there is none).'),
  'aws:remove-keys': call(z.object({ name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) }).strict(), AwsProfiles, 'Delete keys entered in the app.'),
  'aws:my-address': call(NoInput, z.object({ cidr: Cidr }), "This computer's public address as a /32: the default allowed SSH source."),
  'ec2:launch': call(LaunchRequest, Ec2Worker, 'Launch an EC2 worker that terminates itself at its deadline (a retry with the same clientToken never makes two).'),
  'ec2:list': call(NoInput, Ec2List, 'EC2 workers, reconciled with the tagged instances in AWS: state, address, time left, cost so far.'),
  'ec2:find-workers': call(NoInput, Ec2List, 'Look for this app\'s tagged EC2 instances in every region and list them again (after the list of workers was lost).'),
  'ec2:extend': call(
    z.object({ workerId: Ec2WorkerId, hours: z.number().positive().max(MAX_LIFETIME_HOURS) }).strict(),
    Ec2Worker,
    `Move a worker's deadline later (rescheduled on the instance), never past ${MAX_LIFETIME_HOURS} h from its launch.`,
  ),
  'ec2:terminate': call(z.object({ workerId: Ec2WorkerId }).strict(), Ec2Worker, 'Terminate an EC2 worker now.'),

  'packager:scan': call(ScanRequest, ScanResult, 'A folder as it would be packed: tree with sizes, ignore rules applied, secrets and unsafe entries found.'),
  'packager:generate-wrapper': call(WrapperSpec, WrapperText, 'The run.sh a package would get: setup lines, then the analysis reading DATA_DIR (or a named folder) and writing into OUTPUT_DIR (default output/).'),
  'packager:build': call(BuildRequest, BuildResult, "Pack a folder into a reproducible .tar.gz named `name` (default: the folder's), the map/reduce runner bundled when its entry point needs it; an existing file is replaced only with force (progress: packager:progress keyed by buildId)."),
  'packager:cancel': call(z.object({ buildId: BuildId }).strict(), z.boolean(), 'Cancel a build; false when it is not running.'),
  'packager:inspect': call(z.object({ path: z.string().min(1).max(4096) }).strict(), Inspection, "A tarball's contents, entry point and problems: unsafe entries, and what its entry point needs that it does not hold."),
  'packager:test-run': call(
    z.object({ path: z.string().min(1).max(4096), timeoutMinutes: z.number().min(1 / 60).max(1440).default(30), worker: WorkerId.default('local') }).strict(),
    Run,
    'Unpack a package (a tarball on this computer) into a fresh run on a worker, this computer by default, and run its command (a run in the Jobs view).',
  ),

  ...scheduleCalls,
  ...publishCalls,
  ...awsScheduleCalls,
  ...resultsCalls,
  ...clusterCalls,
  ...tunnelCalls,
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
  /** Keyed by the destination URL: files and bytes copied so far to S3. */
  'data-sources:upload': UploadProgress,
  /** Keyed by build id: bytes and files packed so far, time left. */
  'packager:progress': PackProgress,
  /** Keyed by workspace root: files changed on disk (by another program or by a save). */
  'workspace:changed': WorkspaceChanged,
  /** Keyed by worker id: a connection's state changed. */
  'workers:state': WorkerState,
  /** Keyed by worker id: a host key needs the user's decision. */
  'workers:host-key': PendingHostKey,
  /** Every transfer and the totals, at most every 100 ms while something moves. */
  'transfers:changed': TransferSnapshot,
  /** Keyed by terminal id: output of the shell. */
  'terminal:data': TerminalData,
  /** EC2 workers changed (launched, extended, terminated, reconciled). */
  'ec2:workers': Ec2List,
  /** Keyed by worker id: 60 and 15 minutes before an EC2 worker kills itself. */
  'ec2:warning': Ec2Warning,
  ...scheduleEvents,
  ...publishEvents,
  ...resultsEvents,
  ...clusterEvents,
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
