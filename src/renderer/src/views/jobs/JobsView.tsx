import type { Run } from '../../../../shared/model.ts';
import { useRuns } from '../../useRuns.ts';
import { RunDetail } from './RunDetail.tsx';
import { RunForm } from './RunForm.tsx';
import { RunStatusBadge, formatDuration, useTick } from './RunStatusBadge.tsx';
import './jobs.css';

function RunList({ runs, selected }: { runs: Run[]; selected: string | undefined }) {
  useTick(runs.some((r) => r.status === 'running'));
  if (runs.length === 0) return <p className="muted small">No runs yet.</p>;
  return (
    <ul className="run-list" aria-label="Runs">
      {runs.map((run) => (
        <li key={run.id}>
          <a href={`#/jobs/${run.id}`} aria-current={run.id === selected ? 'true' : undefined}>
            <span className="run-name">{run.jobName}</span>
            <RunStatusBadge status={run.status} />
            <span className="muted small">
              {new Date(run.createdAt).toLocaleTimeString()} · {formatDuration(run)}
            </span>
          </a>
        </li>
      ))}
    </ul>
  );
}

/** Run map/reduce jobs on this computer and follow them. */
export function JobsView({ runId }: { runId: string | undefined }) {
  const { runs, error } = useRuns();
  const selected = runs?.find((r) => r.id === runId) ?? (runId ? undefined : runs?.[0]);
  useTick(selected?.status === 'running');
  return (
    <div className="jobs-view">
      <aside className="jobs-side">
        <RunForm onStarted={(id) => (location.hash = `#/jobs/${id}`)} />
        <h2>History</h2>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {runs && <RunList runs={runs} selected={selected?.id} />}
      </aside>
      <div className="jobs-main">
        {selected ? (
          <RunDetail key={selected.id} run={selected} />
        ) : (
          <div className="empty-state">
            <h2>{runId ? 'No such run' : 'No runs yet'}</h2>
            <p>Pick an example job, generate the sample data, and press Run locally (Ctrl+Enter).</p>
          </div>
        )}
      </div>
    </div>
  );
}
