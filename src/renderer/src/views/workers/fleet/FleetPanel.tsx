import { useState, type ReactNode } from 'react';
import './fleet.css';

export interface FleetPanelProps {
  /** The section's heading and accessible name; its refresh button is "Refresh <title>". */
  title: string;
  loading: boolean;
  reload: () => Promise<void>;
  /** Why AWS could not be asked, or the list not loaded. */
  message: string | undefined;
  /** How many are listed; undefined until AWS first answers. */
  count: number | undefined;
  /** What the panel says when nothing runs. */
  empty: string;
  /** The launch form, given what closes it (after a launch or on Cancel). */
  launchForm: (close: () => void) => ReactNode;
  /** The rows. */
  children: ReactNode;
}

/** A panel of things AWS runs for the user: heading with Refresh and Launch…, the form, the rows. */
export function FleetPanel({ title, loading, reload, message, count, empty, launchForm, children }: FleetPanelProps) {
  const [launching, setLaunching] = useState(false);
  return (
    <section className="ec2-workers" aria-label={title}>
      <div className="row spread">
        <h2>{title}</h2>
        <div className="row">
          <button type="button" onClick={() => void reload()} disabled={loading} title="Ask AWS again" aria-label={`Refresh ${title}`}>
            ↻
          </button>
          {!launching && (
            <button type="button" onClick={() => setLaunching(true)}>
              Launch…
            </button>
          )}
        </div>
      </div>
      {message && (
        <p className="muted small" role="status">
          {message}
        </p>
      )}
      {launching && launchForm(() => setLaunching(false))}
      {count === undefined && !message && <p className="muted small">Asking AWS…</p>}
      {count === 0 && !launching && <p className="muted small">{empty}</p>}
      <ul className="ec2-list">{children}</ul>
    </section>
  );
}
