import type { Run } from '../../../../shared/model.ts';
import { useRuns } from '../../lib/useRuns.ts';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { useWorkers } from '../../lib/useWorkers.ts';
import { resultsLocation } from './RunOutputs.tsx';
import { RunDetail } from './RunDetail.tsx';
import { RunForm } from './RunForm.tsx';
import { RunStatusBadge } from '../../components/RunStatusBadge.tsx';
import { useTick } from '../../lib/clock.ts';
import { formatDuration } from '../../lib/format.ts';
import './jobs.css';
import { ErrorText } from '../../components/ErrorText.tsx';

function RunList({ runs, selected, nameOf }: { runs: Run[]; selected: string | undefined; nameOf: (workerId: string) => string }) {
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
              {run.worker !== 'local' && ` · ${nameOf(run.worker)}`}
              {run.request.engine === 'spark' && run.request.source.kind !== 'package' && ' · Spark'}
            </span>
            {resultsLocation(run, nameOf(run.worker)) && run.worker !== 'local' && <span className="muted small run-where">results {resultsLocation(run, nameOf(run.worker))}</span>}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** Run map/reduce jobs on this computer or a worker and follow them. */
export function JobsView({ runId }: { runId: string | undefined }) {
  const { runs, error } = useRuns();
  const { workers } = useWorkers();
  const byId = new Map<string, WorkerInfo>((workers ?? []).map((w) => [w.id, w]));
  const nameOf = (id: string) => (id === 'local' ? 'this computer' : (byId.get(id)?.name ?? id));
  const selected = runs?.find((r) => r.id === runId) ?? (runId ? undefined : runs?.[0]);
  useTick(selected?.status === 'running');
  return (
    <div className="jobs-view">
      <aside className="jobs-side">
        <RunForm onStarted={(id) => (location.hash = `#/jobs/${id}`)} shown={selected} runsLoaded={runs !== undefined || error !== undefined} />
        <h2>History</h2>
        <ErrorText error={error} />
        {runs && <RunList runs={runs} selected={selected?.id} nameOf={nameOf} />}
      </aside>
      <div className="jobs-main">
        {selected ? (
          <RunDetail key={selected.id} run={selected} worker={byId.get(selected.worker)} />
        ) : (
          <div className="empty-state">
            <h2>{runId ? 'No such run' : 'No runs yet'}</h2>
            <p>Pick an example job, generate the sample data, and press Run locally (Ctrl+Enter), or choose a worker to run it there.</p>
          </div>
        )}
      </div>
    </div>
  );
}
