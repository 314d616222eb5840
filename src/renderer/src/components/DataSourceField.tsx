import { useEffect, useId, useState } from 'react';
import { dataLocation, dataSourceLabel, type DataSource } from '../../../shared/data-source.ts';
import { useClient } from '../api/context.tsx';

/** The saved data sources (Settings → Data sources); empty until they are read or when they cannot be. */
export function useSavedDataSources(): DataSource[] {
  const client = useClient();
  const [saved, setSaved] = useState<DataSource[]>([]);
  useEffect(() => {
    client.call('data-sources:list').then(setSaved, () => setSaved([]));
  }, [client]);
  return saved;
}

/**
 * A data field: a folder path or an s3://BUCKET/PREFIX location typed in, or one of the saved
 * data sources picked from the list beside it (which fills the field).
 */
export function DataSourceField({
  label,
  value,
  onChange,
  placeholder = '/data/telemetry or s3://bucket/prefix',
  required = false,
  note,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  required?: boolean;
  note?: string;
}) {
  const saved = useSavedDataSources();
  const id = useId();
  const chosen = saved.find((s) => dataLocation(s) === value.trim());
  return (
    <div className="data-source-field">
      <label htmlFor={id}>{label}</label>
      <span className="row">
        <input id={id} value={value} onChange={(e) => onChange(e.target.value)} placeholder={placeholder} spellCheck={false} required={required} />
        {saved.length > 0 && (
          <select aria-label={`${label}: saved data sources`} value={chosen ? dataLocation(chosen) : ''} onChange={(e) => e.target.value && onChange(e.target.value)}>
            <option value="">Saved sources…</option>
            {saved.map((s) => (
              <option key={dataLocation(s)} value={dataLocation(s)}>
                {dataSourceLabel(s)}
              </option>
            ))}
          </select>
        )}
      </span>
      {note && <span className="muted small">{note}</span>}
    </div>
  );
}
