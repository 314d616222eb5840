import { useState, type FormEvent } from 'react';
import type { SettingsPatch, Theme } from '../../../../shared/model.ts';
import { useClient } from '../../api/context.tsx';
import { useSettings } from '../../lib/useSettings.ts';
import { AwsSettings } from './AwsSettings.tsx';
import { DataSourcesSettings } from './DataSourcesSettings.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAction } from '../../lib/useAction.ts';

const THEMES: { value: Theme; label: string }[] = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function SettingsView() {
  const client = useClient();
  const { settings, error: loadError } = useSettings();
  const [saved, setSaved] = useState(false);
  const { run: save, error } = useAction(async (patch: SettingsPatch) => {
    setSaved(false);
    await client.call('settings:set', patch);
    setSaved(true);
  });
  // The chosen theme shows at once; the saved value catches up through settings:changed.
  const [chosenTheme, setChosenTheme] = useState<Theme>();
  // The box follows the click at once, as the theme does, not only when the saved settings come back.
  const [autoDownload, setAutoDownload] = useState<boolean>();

  if (loadError) return <p className="error" role="alert">{loadError}</p>;
  if (!settings) return <p className="muted">Loading settings…</p>;

  const onSubmitWorkers = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const regions = String(form.get('regions') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean);
    void save({ regions, workerLifetimeHours: Number(form.get('lifetime')) });
  };

  const onSubmitCache = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save({ s3CacheGb: Number(new FormData(event.currentTarget).get('s3CacheGb')) });
  };

  const onSubmitBuckets = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const bucket = (name: string) => String(form.get(name) ?? '').trim();
    void save({ publicBucket: bucket('publicBucket'), privateBucket: bucket('privateBucket'), codeBucket: bucket('codeBucket') });
  };

  return (
    <div className="settings">
      <section>
        <h2>Appearance</h2>
        <fieldset className="segmented" aria-label="Theme">
          {THEMES.map((theme) => (
            <label key={theme.value}>
              <input
                type="radio"
                name="theme"
                value={theme.value}
                checked={(chosenTheme ?? settings.theme) === theme.value}
                onChange={() => {
                  setChosenTheme(theme.value);
                  void save({ theme: theme.value });
                }}
              />
              {theme.label}
            </label>
          ))}
        </fieldset>
      </section>
      <section>
        <h2>Workers</h2>
        <form onSubmit={onSubmitWorkers} key={JSON.stringify(settings)}>
          <label>
            Regions to look for workers in
            <input name="regions" defaultValue={settings.regions.join(', ')} spellCheck={false} />
          </label>
          <label>
            Lifetime of a new EC2 worker (hours, at most 24)
            <input name="lifetime" type="number" min={1} max={24} defaultValue={settings.workerLifetimeHours} />
          </label>
          <button type="submit">Save</button>
        </form>
      </section>
      <section>
        <h2>Runs</h2>
        <label className="inline">
          <input
            type="checkbox"
            checked={autoDownload ?? settings.autoDownloadResults}
            onChange={(e) => {
              setAutoDownload(e.target.checked);
              void save({ autoDownloadResults: e.target.checked });
            }}
          />
          Download a run’s output from its worker as soon as it succeeds (else it stays there until you download it)
        </label>
        <form onSubmit={onSubmitCache} key={settings.s3CacheGb}>
          <label>
            Cache of S3 data on each machine that runs a job (GiB; least recently used files go first, 0 keeps none)
            <input name="s3CacheGb" type="number" min={0} step="any" defaultValue={settings.s3CacheGb} />
          </label>
          <button type="submit">Save cache size</button>
        </form>
      </section>
      <AwsSettings />
      <DataSourcesSettings />
      <section>
        <h2>S3 buckets</h2>
        <p className="muted small">Where scheduled jobs and “Publish to S3” put their output, and the private bucket for job code. Leave empty when unused.</p>
        <form onSubmit={onSubmitBuckets} key={`buckets-${JSON.stringify(settings)}`}>
          <label>
            Public bucket (output anyone may read: the publish guard checks it first)
            <input name="publicBucket" defaultValue={settings.publicBucket ?? ''} spellCheck={false} />
          </label>
          <label>
            Private bucket
            <input name="privateBucket" defaultValue={settings.privateBucket ?? ''} spellCheck={false} />
          </label>
          <label>
            Code bucket (private: job tarballs of scheduled AWS runs)
            <input name="codeBucket" defaultValue={settings.codeBucket ?? ''} spellCheck={false} />
          </label>
          <button type="submit">Save buckets</button>
        </form>
      </section>
      <ErrorText error={error} />
      {saved && !error && <p className="muted" role="status">Saved.</p>}
    </div>
  );
}
