import { useEffect, useState, type FormEvent } from 'react';
import type { Example, Run, RunRequest, SampleData } from '../../../../shared/model.ts';
import { useClient } from '../../api/context.tsx';
import { useCtrlKeys } from '../../lib/use-ctrl-keys.ts';
import { WorkerPicker, useWorkerChoice } from './WorkerPicker.tsx';
import { EnginePicker, useEngineChoice } from './EnginePicker.tsx';
import type { Engine } from '../../../../shared/packager-model.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { TaskCountFields } from '../../components/TaskCountFields.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useAction } from '../../lib/useAction.ts';
import { DataSourceField } from '../../components/DataSourceField.tsx';
import { dataSourceOf, type MatchPreviewRequest } from '../../../../shared/data-source.ts';
import { MatchPreview } from './MatchPreview.tsx';
import { editorWorkspaceRoot } from '../../lib/editor-workspace.ts';

/** The Job select's values besides `example:<name>` and `workspace:<root>`. */
const FOLDER = 'folder';
const PACKAGE = 'package';
const WORKSPACE = 'workspace:';

function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

interface JobWorkspace {
  name: string;
  root: string;
}

/** The Editor's job workspaces (the data folder's, and the folder open in the Editor), for the Job select. */
function useWorkspaces(): JobWorkspace[] | undefined {
  const client = useClient();
  const [workspaces, setWorkspaces] = useState<JobWorkspace[]>();
  useEffect(() => {
    const withOpen = (list: JobWorkspace[]) => {
      const open = editorWorkspaceRoot();
      const name = open?.replace(/\/+$/, '').split('/').pop();
      return open && name && !list.some((w) => w.root === open) ? [...list, { name, root: open }] : list;
    };
    client.call('workspace:list').then(
      (list) => setWorkspaces(withOpen(list)),
      () => setWorkspaces(withOpen([])),
    );
  }, [client]);
  return workspaces;
}

/**
 * "Run locally" or "Run on <worker>": where, a job (example, Editor workspace, folder or package),
 * its filter, the data and the runner's options. The sample data lives on this computer; a worker
 * reads a folder of its own. The form shows the job of the run shown beside it (`shown`): picking
 * a run fills the form with what that run was asked to do, so running again reruns it.
 */
export function RunForm({ onStarted, shown, runsLoaded }: { onStarted: (runId: string) => void; shown: Run | undefined; runsLoaded: boolean }) {
  const client = useClient();
  const { workers, workersLoaded, worker, choose: chooseWorker, show: showWorker, error: workersError } = useWorkerChoice();
  const workspaces = useWorkspaces();
  const remote = worker.kind !== 'local';
  const [remoteDataDir, setRemoteDataDir] = useState(() => localStorage.getItem('workbench.run.remote-data') ?? '');
  const [examples, setExamples] = useState<Example[]>([]);
  const [job, setJob] = useState('example:os-distribution');
  const [folder, setFolder] = useState('');
  const [packagePath, setPackagePath] = useState('');
  const [script, setScript] = useState('job.py');
  const [filter, setFilter] = useState('');
  const [dataChoice, setDataChoice] = useState<'sample' | 'folder'>('sample');
  const [dataDir, setDataDir] = useState('');
  const [sample, setSample] = useState<SampleData>();
  const [sampleKnown, setSampleKnown] = useState(false);
  const [sampleSize, setSampleSize] = useState(20);
  /** The worker the last attempt went to: its error is about that worker, shown only while it is chosen. */
  const [attemptedOn, setAttemptedOn] = useState<string>();
  const [mappers, setMappers] = useState(4);
  const [reducers, setReducers] = useState(1);
  const [timeout, setTimeoutMinutes] = useState(120);
  const [chosenEngine, setEngine] = useState<Engine>('local');
  // Spark only where the worker has it: elsewhere the run goes on the local engine.
  const { engine, spark, recheck, sparkOnly } = useEngineChoice(worker, chosenEngine);
  const [loadError, setLoadError] = useState<string>();
  const generation = useAction(async () => setSample(await client.call('jobs:generate-sample-data', { sizeMb: sampleSize })));
  const start = useAction(async (request: RunRequest) => {
    // A remote run exists (and shows its upload's progress) before the call returns: show it then.
    let shown: string | undefined;
    const stopWatching = client.subscribe('jobs:run', (run) => {
      if (shown === undefined && run.worker === worker.id && run.progress?.phase === 'upload') {
        shown = run.id;
        onStarted(run.id);
      }
    });
    try {
      const run = await client.call('jobs:start', request);
      if (shown !== run.id) onStarted(run.id);
    } finally {
      stopWatching();
    }
  });
  const generating = generation.pending;
  const starting = start.pending;
  // One error line for the form: the last thing tried says how it went, while it is about what is chosen.
  const error = (attemptedOn === worker.id ? start.error : undefined) ?? generation.error ?? loadError;
  const clearErrors = () => {
    setLoadError(undefined);
    generation.setError(undefined);
    start.setError(undefined);
  };
  // Another worker or job: an error about starting the last one no longer applies.
  const choose = (id: string) => {
    start.setError(undefined);
    chooseWorker(id);
  };
  const chooseJob = (value: string) => {
    start.setError(undefined);
    setJob(value);
  };

  // The run shown beside the form: its job, data, options and worker fill the form, once the
  // runs, workers, workspaces and sample data are known (they decide what is shown and how it
  // reads); until then the choices and Run wait, so what the user picks is not overwritten.
  // Done while rendering when another run is shown, never on the same run's progress.
  const ready = runsLoaded && workersLoaded && workspaces !== undefined && sampleKnown;
  const [adopted, setAdopted] = useState<string>();
  if (ready && shown && shown.id !== adopted) {
    setAdopted(shown.id);
    const request = shown.request;
    const source = request.source;
    start.setError(undefined);
    if (source.kind === 'example') setJob(`example:${source.name}`);
    else if (source.kind === 'package') {
      setJob(PACKAGE);
      setPackagePath(source.path);
    } else if (workspaces?.some((w) => w.root === source.path)) setJob(`${WORKSPACE}${source.path}`);
    else {
      setJob(FOLDER);
      setFolder(source.path);
    }
    setScript(request.script ?? 'job.py');
    setFilter(request.filter ?? '');
    setMappers(request.mappers ?? 4);
    setReducers(request.reducers ?? 1);
    setTimeoutMinutes(request.timeoutMinutes ?? 120);
    setEngine(request.engine ?? 'local');
    if (shown.worker !== 'local') setRemoteDataDir(request.dataDir ?? '');
    else if (request.dataDir === undefined || request.dataDir === sample?.path) setDataChoice('sample');
    else {
      setDataChoice('folder');
      setDataDir(request.dataDir);
    }
    if (workers.some((w) => w.id === shown.worker)) showWorker(shown.worker);
  }

  useEffect(() => {
    client.call('jobs:examples').then(setExamples, (err: unknown) => setLoadError(errorMessage(err)));
    client
      .call('jobs:sample-data')
      .then(setSample, (err: unknown) => setLoadError(errorMessage(err)))
      .finally(() => setSampleKnown(true));
  }, [client]);

  const generate = () => {
    clearErrors();
    return generation.run();
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (starting) return;
    clearErrors();
    setAttemptedOn(worker.id);
    const request: RunRequest = {
      source:
        job === FOLDER
          ? { kind: 'folder', path: folder.trim() }
          : job === PACKAGE
            ? { kind: 'package', path: packagePath.trim() }
            : job.startsWith(WORKSPACE)
              ? { kind: 'folder', path: job.slice(WORKSPACE.length) }
              : { kind: 'example', name: job.slice('example:'.length) },
      script: script.trim() || 'job.py',
      ...(filter.trim() !== '' && job !== PACKAGE && { filter }),
      ...(remote ? { dataDir: remoteDataDir.trim() } : dataChoice === 'folder' && { dataDir: dataDir.trim() }),
      mappers,
      reducers,
      timeoutMinutes: timeout,
      worker: worker.id,
      ...(job !== PACKAGE && { engine }),
    };
    if (remote) localStorage.setItem('workbench.run.remote-data', remoteDataDir.trim());
    await start.run(request);
  };

  // Ctrl/Cmd+Enter runs from anywhere in the view.
  useCtrlKeys({ enter: () => document.getElementById('run-form-submit')?.click() });

  const chosenData = remote ? remoteDataDir.trim() : dataChoice === 'folder' ? dataDir.trim() : sample?.exists ? sample.path : '';
  const previewJob = job === FOLDER ? (folder.trim() ? { kind: 'folder' as const, path: folder.trim() } : undefined) : job.startsWith(WORKSPACE) ? { kind: 'folder' as const, path: job.slice(WORKSPACE.length) } : job.startsWith('example:') ? { kind: 'example' as const, name: job.slice('example:'.length) } : undefined;
  const previewRequest: MatchPreviewRequest | undefined =
    chosenData && (filter.trim() || previewJob) ? { source: dataSourceOf(chosenData), worker: worker.id, ...(filter.trim() ? { filter } : { job: previewJob }) } : undefined;
  const chosenExample = examples.find((e) => `example:${e.name}` === job);
  const chosenWorkspace = workspaces?.find((w) => `${WORKSPACE}${w.root}` === job);
  const action = remote ? `Run on ${worker.name}` : 'Run locally';

  return (
    <form className="run-form" onSubmit={submit} aria-label={action}>
      <h2>Run a job</h2>
      <WorkerPicker workers={workers} worker={worker} choose={choose} disabled={!ready} />
      {workersError && <p className="muted small">Workers could not be listed: {workersError}</p>}
      {/* A label beside, not around, the select: wrapped, its name would include the chosen option. */}
      <label htmlFor="run-form-job">Job</label>
      <select id="run-form-job" value={job} onChange={(e) => chooseJob(e.target.value)} disabled={!ready}>
        <optgroup label="Examples">
          {examples.map((example) => (
            <option key={example.name} value={`example:${example.name}`}>
              Example: {example.name}
            </option>
          ))}
        </optgroup>
        {workspaces && workspaces.length > 0 && (
          <optgroup label="Editor workspaces">
            {workspaces.map((w) => (
              <option key={w.root} value={`${WORKSPACE}${w.root}`}>
                Workspace: {w.name}
              </option>
            ))}
          </optgroup>
        )}
        <optgroup label="Elsewhere">
          <option value={FOLDER}>A job folder on this computer…</option>
          <option value={PACKAGE}>A package (.tar.gz) on this computer…</option>
        </optgroup>
      </select>
      {chosenExample && <p className="muted small">{chosenExample.description}</p>}
      {chosenWorkspace && (
        <p className="muted small" title={chosenWorkspace.root}>
          The Editor’s workspace in {chosenWorkspace.root}
        </p>
      )}
      {job === FOLDER && (
        <label>
          Job folder
          <input value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/me/jobs/my-analysis" spellCheck={false} required />
        </label>
      )}
      {job === PACKAGE && (
        <label>
          Package file
          <input value={packagePath} onChange={(e) => setPackagePath(e.target.value)} placeholder="/home/me/jobs/my-analysis.tar.gz" spellCheck={false} required />
        </label>
      )}
      {job !== PACKAGE && (
        <>
      <label>
        Script
        <input value={script} onChange={(e) => setScript(e.target.value)} spellCheck={false} />
      </label>
      <details>
        <summary>Filter {filter.trim() === '' ? '(the job’s filter.json)' : '(edited)'}</summary>
        <textarea
          aria-label="Filter JSON"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder='Leave empty to use the job folder’s filter.json, or paste {"version": 1, "dimensions": [...]}'
          rows={8}
          spellCheck={false}
        />
      </details>
        </>
      )}
      {remote ? (
        <DataSourceField
          label={worker.kind === 'cluster' ? `S3 location for ${worker.name}` : `Data folder on ${worker.name} (v2 layout) or S3 location`}
          value={remoteDataDir}
          onChange={setRemoteDataDir}
          placeholder={worker.kind === 'cluster' ? 's3://bucket/prefix' : '/home/ubuntu/data or s3://bucket/prefix'}
          required
          note={
            worker.kind === 'ec2'
              ? 'An EC2 worker reads S3 with its instance profile: launch it with read access to the bucket. Your keys never go to a worker.'
              : worker.kind === 'cluster'
                ? 'A Spark cluster’s map tasks run on its core nodes, which read S3 with their instance profile (EMR_EC2_DefaultRole); a folder on the master is out of their reach. Your keys never go to a worker.'
                : 'A worker reads S3 with its own AWS setup (its profile or instance role); your keys never go to a worker.'
          }
        />
      ) : (
        <fieldset>
          <legend>Data</legend>
          <label className="inline">
            <input type="radio" name="data" checked={dataChoice === 'sample'} onChange={() => setDataChoice('sample')} />
            Sample data
          </label>
          {dataChoice === 'sample' && (
            <div className="sample-data" data-testid="sample-data">
              {sample?.exists ? (
                <span className="muted small">
                  {sample.files} files, {formatMb(sample.bytes)} compressed
                  {sample.recordBytes !== undefined && ` (${formatMb(sample.recordBytes)} of records uncompressed)`}
                </span>
              ) : (
                <span className="muted small">None yet</span>
              )}
              {/* The size asked for is the records' uncompressed size; the files on disk are about six times smaller. */}
              <label htmlFor="run-form-sample-size" className="small">
                Sample size (MB), uncompressed
              </label>
              <span className="row">
                <input id="run-form-sample-size" type="number" min={1} max={4096} value={sampleSize} onChange={(e) => setSampleSize(Number(e.target.value))} />
                <button type="button" onClick={() => void generate()} disabled={generating}>
                  {generating ? 'Generating…' : sample?.exists ? 'Regenerate' : 'Generate'}
                </button>
              </span>
            </div>
          )}
          <label className="inline">
            <input type="radio" name="data" checked={dataChoice === 'folder'} onChange={() => setDataChoice('folder')} />
            A data folder (v2 layout) or S3 location
          </label>
          {dataChoice === 'folder' && <DataSourceField label="Data folder" value={dataDir} onChange={setDataDir} required note="An S3 location is read with the AWS profile and region of Settings." />}
        </fieldset>
      )}
      {job !== PACKAGE && <MatchPreview request={previewRequest} workerName={remote ? worker.name : 'this computer'} />}
      {job !== PACKAGE && (
        <EnginePicker
          engine={engine}
          spark={spark}
          recheck={recheck}
          sparkOnly={sparkOnly}
          choose={(value) => {
            start.setError(undefined);
            setEngine(value);
          }}
          disabled={!ready}
        />
      )}
      <div className="row three">
        {job !== PACKAGE && <TaskCountFields mappers={mappers} reducers={reducers} onMappers={setMappers} onReducers={setReducers} />}
        <label>
          Timeout (min)
          <input type="number" min={1} max={1440} value={timeout} onChange={(e) => setTimeoutMinutes(Number(e.target.value))} />
        </label>
      </div>
      <ErrorText error={error} />
      <button id="run-form-submit" type="submit" disabled={starting || !ready} title="Ctrl+Enter">
        {starting ? (remote ? 'Uploading and starting…' : 'Starting…') : action}
      </button>
    </form>
  );
}
