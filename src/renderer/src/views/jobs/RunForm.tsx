import { useEffect, useState, type FormEvent } from 'react';
import type { Example, RunRequest, SampleData } from '../../../../shared/model.ts';
import { useClient } from '../../api/context.tsx';
import { useCtrlKeys } from '../../lib/use-ctrl-keys.ts';
import { WorkerPicker, useWorkerChoice } from './WorkerPicker.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { TaskCountFields } from '../../components/TaskCountFields.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useAction } from '../../lib/useAction.ts';

const FOLDER = 'folder';

function formatMb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * "Run locally" or "Run on <worker>": where, a job (example or folder), its filter, the data and
 * the runner's options. The sample data lives on this computer; a worker reads a folder of its own.
 */
export function RunForm({ onStarted }: { onStarted: (runId: string) => void }) {
  const client = useClient();
  const { workers, worker, choose, error: workersError } = useWorkerChoice();
  const remote = worker.kind !== 'local';
  const [remoteDataDir, setRemoteDataDir] = useState(() => localStorage.getItem('workbench.run.remote-data') ?? '');
  const [examples, setExamples] = useState<Example[]>([]);
  const [job, setJob] = useState('example:os-distribution');
  const [folder, setFolder] = useState('');
  const [script, setScript] = useState('job.py');
  const [filter, setFilter] = useState('');
  const [dataChoice, setDataChoice] = useState<'sample' | 'folder'>('sample');
  const [dataDir, setDataDir] = useState('');
  const [sample, setSample] = useState<SampleData>();
  const [sampleSize, setSampleSize] = useState(20);
  const [mappers, setMappers] = useState(4);
  const [reducers, setReducers] = useState(1);
  const [timeout, setTimeoutMinutes] = useState(120);
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
  // One error line for the form: the last thing tried says how it went.
  const error = start.error ?? generation.error ?? loadError;
  const clearErrors = () => {
    setLoadError(undefined);
    generation.setError(undefined);
    start.setError(undefined);
  };

  useEffect(() => {
    client.call('jobs:examples').then(setExamples, (err: unknown) => setLoadError(errorMessage(err)));
    client.call('jobs:sample-data').then(setSample, (err: unknown) => setLoadError(errorMessage(err)));
  }, [client]);

  const generate = () => {
    clearErrors();
    return generation.run();
  };

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    if (starting) return;
    clearErrors();
    const request: RunRequest = {
      source: job === FOLDER ? { kind: 'folder', path: folder.trim() } : { kind: 'example', name: job.slice('example:'.length) },
      script: script.trim() || 'job.py',
      ...(filter.trim() !== '' && { filter }),
      ...(remote ? { dataDir: remoteDataDir.trim() } : dataChoice === 'folder' && { dataDir: dataDir.trim() }),
      mappers,
      reducers,
      timeoutMinutes: timeout,
      worker: worker.id,
    };
    if (remote) localStorage.setItem('workbench.run.remote-data', remoteDataDir.trim());
    await start.run(request);
  };

  // Ctrl/Cmd+Enter runs from anywhere in the view.
  useCtrlKeys({ enter: () => document.getElementById('run-form-submit')?.click() });

  const chosenExample = examples.find((e) => `example:${e.name}` === job);
  const action = remote ? `Run on ${worker.name}` : 'Run locally';

  return (
    <form className="run-form" onSubmit={submit} aria-label={action}>
      <h2>Run a job</h2>
      <WorkerPicker workers={workers} worker={worker} choose={choose} />
      {workersError && <p className="muted small">Workers could not be listed: {workersError}</p>}
      {/* A label beside, not around, the select: wrapped, its name would include the chosen option. */}
      <label htmlFor="run-form-job">Job</label>
      <select id="run-form-job" value={job} onChange={(e) => setJob(e.target.value)}>
          {examples.map((example) => (
            <option key={example.name} value={`example:${example.name}`}>
              Example: {example.name}
            </option>
          ))}
          <option value={FOLDER}>A job folder on this computer…</option>
      </select>
      {chosenExample && <p className="muted small">{chosenExample.description}</p>}
      {job === FOLDER && (
        <label>
          Job folder
          <input value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="/home/me/jobs/my-analysis" spellCheck={false} required />
        </label>
      )}
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
      {remote ? (
        <label>
          Data folder on {worker.name} (v2 layout)
          <input value={remoteDataDir} onChange={(e) => setRemoteDataDir(e.target.value)} placeholder="/home/ubuntu/data" spellCheck={false} required />
        </label>
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
                </span>
              ) : (
                <span className="muted small">None yet</span>
              )}
              <span className="row">
                <input aria-label="Sample size (MB)" type="number" min={1} max={4096} value={sampleSize} onChange={(e) => setSampleSize(Number(e.target.value))} />
                <button type="button" onClick={() => void generate()} disabled={generating}>
                  {generating ? 'Generating…' : sample?.exists ? 'Regenerate' : 'Generate'}
                </button>
              </span>
            </div>
          )}
          <label className="inline">
            <input type="radio" name="data" checked={dataChoice === 'folder'} onChange={() => setDataChoice('folder')} />
            A data folder (v2 layout)
          </label>
          {dataChoice === 'folder' && <input aria-label="Data folder" value={dataDir} onChange={(e) => setDataDir(e.target.value)} spellCheck={false} required />}
        </fieldset>
      )}
      <div className="row three">
        <TaskCountFields mappers={mappers} reducers={reducers} onMappers={setMappers} onReducers={setReducers} />
        <label>
          Timeout (min)
          <input type="number" min={1} max={1440} value={timeout} onChange={(e) => setTimeoutMinutes(Number(e.target.value))} />
        </label>
      </div>
      <ErrorText error={error} />
      <button id="run-form-submit" type="submit" disabled={starting} title="Ctrl+Enter">
        {starting ? (remote ? 'Uploading and starting…' : 'Starting…') : action}
      </button>
    </form>
  );
}
