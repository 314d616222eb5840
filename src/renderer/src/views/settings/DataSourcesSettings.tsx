import { useEffect, useState, type FormEvent } from 'react';
import { dataLocation, dataSourceOf, type DataSource } from '../../../../shared/data-source.ts';
import { useClient } from '../../api/context.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useSteps } from '../../lib/useAction.ts';

/**
 * Settings → Data sources: the folders and S3 locations offered wherever a job's data is chosen
 * (Jobs, the package wrapper, schedules). One is saved only once it can be read: the folder
 * exists on this computer, the S3 location lists with the AWS profile and region above.
 */
export function DataSourcesSettings() {
  const client = useClient();
  const [sources, setSources] = useState<DataSource[]>();
  const [name, setName] = useState('');
  const [location, setLocation] = useState('');
  const { run, pending: busy, error, setError } = useSteps();

  useEffect(() => {
    client.call('data-sources:list').then(setSources, (err: unknown) => setError(errorMessage(err)));
  }, [client, setError]);

  const add = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const source = dataSourceOf(location);
      setSources(await client.call('data-sources:add', { ...source, ...(name.trim() && { name: name.trim() }) }));
      setName('');
      setLocation('');
    });
  };

  return (
    <section aria-label="Data sources">
      <h2>Data sources</h2>
      <p className="muted small">Where jobs read their input (the v2 layout): a folder, or an S3 location read with the AWS profile and region above.</p>
      {sources && sources.length === 0 && <p className="muted small">None saved yet.</p>}
      {sources && sources.length > 0 && (
        <ul className="data-sources" aria-label="Saved data sources">
          {sources.map((s) => (
            <li key={dataLocation(s)} className="row">
              <span>
                {s.name && <strong>{s.name} </strong>}
                <code>{dataLocation(s)}</code> <span className="muted small">{s.kind === 's3' ? 'S3' : 'folder'}</span>
              </span>
              <button type="button" disabled={busy} aria-label={`Remove ${dataLocation(s)}`} onClick={() => void run(async () => setSources(await client.call('data-sources:remove', { location: dataLocation(s) })))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} className="row">
        <label>
          Name (optional)
          <input value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} />
        </label>
        <label>
          Folder or S3 location
          <input value={location} onChange={(e) => setLocation(e.target.value)} placeholder="/data/telemetry or s3://bucket/prefix" spellCheck={false} required />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Check and add'}
        </button>
      </form>
      <ErrorText error={error} />
    </section>
  );
}
