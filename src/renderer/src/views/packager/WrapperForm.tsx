import { DataSourceField } from '../../components/DataSourceField.tsx';
import { useEffect, useMemo, useState } from 'react';
import { useKept } from './kept-state.ts';
import { ENGINE_LABEL, type Engine, type WrapperSpec } from '../../../../shared/packager-model.ts';
import { useClient } from '../../api/context.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { TaskCountFields } from '../../components/TaskCountFields.tsx';
import { errorMessage } from '../../lib/errors.ts';

export type EntryChoice = 'own' | 'mapreduce' | 'command';

interface Props {
  /** The package (its first folder): its settings are kept per package while the page is open. */
  packageKey: string;
  hasRunSh: boolean;
  onChange: (spec: WrapperSpec | undefined) => void;
}

/** How the package runs: its own run.sh, or a generated one (setup lines, then the job). */
export function WrapperForm({ packageKey, hasRunSh, onChange }: Props) {
  const client = useClient();
  const kept = (field: string) => `wrapper:${packageKey}:${field}`;
  const [choice, setChoice] = useKept<EntryChoice>(kept('choice'), hasRunSh ? 'own' : 'mapreduce');
  const [setup, setSetup] = useKept(kept('setup'), '');
  const [script, setScript] = useKept(kept('script'), 'job.py');
  const [filter, setFilter] = useKept(kept('filter'), 'filter.json');
  /** Where the job reads: the run's data (DATA_DIR, what every run provides), or a folder named here. */
  const [dataFrom, setDataFrom] = useKept<'env' | 'folder'>(kept('data-from'), 'env');
  const [dataDir, setDataDir] = useKept(kept('data-dir'), '');
  const [mappers, setMappers] = useKept(kept('mappers'), 4);
  const [reducers, setReducers] = useKept(kept('reducers'), 1);
  const [engine, setEngine] = useKept<Engine>(kept('engine'), 'local');
  const [command, setCommand] = useKept(kept('command'), 'python3 analysis.py');
  const [preview, setPreview] = useState<string>();
  const [error, setError] = useState<string>();

  const spec = useMemo((): WrapperSpec | undefined => {
    if (choice === 'own') return undefined;
    if (choice === 'command') {
      // A command is split on spaces into argv; each word is quoted in run.sh.
      const argv = command.trim().split(/\s+/).filter(Boolean);
      return { setup, job: { kind: 'command', argv: argv.length > 0 ? argv : ['true'] } };
    }
    return { setup, job: { kind: 'mapreduce', script, filter, ...(dataFrom === 'folder' && { dataDir: dataDir.trim() }), mappers, reducers, engine } };
  }, [choice, setup, script, filter, dataFrom, dataDir, mappers, reducers, engine, command]);

  useEffect(() => {
    onChange(spec);
    if (!spec) return;
    let live = true;
    client.call('packager:generate-wrapper', spec).then(
      (text) => {
        if (!live) return;
        setPreview(text.runSh);
        setError(undefined);
      },
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [client, spec, onChange]);

  return (
    <fieldset className="wrapper-form">
      <legend>Entry point (run.sh)</legend>
      <label className="inline">
        <input type="radio" name="entry" checked={choice === 'own'} onChange={() => setChoice('own')} disabled={!hasRunSh} />
        The folder’s own run.sh{hasRunSh ? '' : ' (there is none)'}
      </label>
      <label className="inline">
        <input type="radio" name="entry" checked={choice === 'mapreduce'} onChange={() => setChoice('mapreduce')} />
        Generate: a map/reduce job (the runner is bundled in the package)
      </label>
      <label className="inline">
        <input type="radio" name="entry" checked={choice === 'command'} onChange={() => setChoice('command')} />
        Generate: a command
      </label>
      {choice !== 'own' && (
        <>
          <label>
            Setup lines (run first, e.g. package installs)
            <textarea value={setup} onChange={(e) => setSetup(e.target.value)} rows={3} spellCheck={false} placeholder="pip install --user numpy" />
          </label>
          {choice === 'mapreduce' ? (
            <div className="wrapper-grid">
              <label>
                Script
                <input value={script} onChange={(e) => setScript(e.target.value)} spellCheck={false} />
              </label>
              <label>
                Filter
                <input value={filter} onChange={(e) => setFilter(e.target.value)} spellCheck={false} />
              </label>
              <fieldset className="wrapper-data">
                <legend>Data</legend>
                <label className="inline">
                  <input type="radio" name="wrapper-data" checked={dataFrom === 'env'} onChange={() => setDataFrom('env')} />
                  From DATA_DIR (the run’s data)
                </label>
                <label className="inline">
                  <input type="radio" name="wrapper-data" checked={dataFrom === 'folder'} onChange={() => setDataFrom('folder')} />
                  Always this folder or S3 location
                </label>
                {dataFrom === 'folder' && <DataSourceField label="Data folder" value={dataDir} onChange={setDataDir} note="An s3:// location is read with the credentials where the package runs (an EC2 worker's or scheduled run's role)." />}
              </fieldset>
              <TaskCountFields mappers={mappers} reducers={reducers} onMappers={setMappers} onReducers={setReducers} />
              <label>
                Engine
                <select value={engine} onChange={(e) => setEngine(e.target.value as Engine)}>
                  {(['local', 'spark'] as const).map((e) => (
                    <option key={e} value={e}>
                      {ENGINE_LABEL[e]}
                    </option>
                  ))}
                </select>
              </label>
              {engine === 'spark' && <p className="muted small wrapper-note">Runs on Apache Spark: where the package runs, python3 needs pyspark 3.5 and Java (on this computer: npm run setup:python).</p>}
            </div>
          ) : (
            <label>
              Command (words separated by spaces)
              <input value={command} onChange={(e) => setCommand(e.target.value)} spellCheck={false} />
            </label>
          )}
          <ErrorText error={error} />
          {preview && (
            <details>
              <summary>Preview run.sh</summary>
              <pre className="run-sh-preview" aria-label="run.sh preview">
                {preview}
              </pre>
            </details>
          )}
        </>
      )}
    </fieldset>
  );
}
