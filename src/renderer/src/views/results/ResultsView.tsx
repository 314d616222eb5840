import { useState } from 'react';
import { EmptyState } from '../../components/EmptyState.tsx';
import { useRuns } from '../../lib/useRuns.ts';
import { RunResults } from '../../components/RunResults.tsx';
import { RunStatusBadge } from '../../components/RunStatusBadge.tsx';
import { PublishDialog } from './PublishDialog.tsx';

/** The outputs of finished runs: pick one, see its table and chart. */
export function ResultsView({ runId }: { runId: string | undefined }) {
  const { runs, error } = useRuns();
  const [publishing, setPublishing] = useState<string>();
  if (error) return <p className="error" role="alert">{error}</p>;
  // Results shown here are files on this computer: a remote run's appear once downloaded.
  const withOutput = (runs ?? []).filter((r) => r.status !== 'running' && r.outputs.some((o) => o.downloaded));
  if (runs && withOutput.length === 0) {
    return <EmptyState title="No results yet">The outputs of your finished runs appear here as tables and charts.</EmptyState>;
  }
  const selected = withOutput.find((r) => r.id === runId) ?? withOutput[0];
  return (
    <div className="jobs-view">
      <aside className="jobs-side">
        <ul className="run-list" aria-label="Runs with results">
          {withOutput.map((run) => (
            <li key={run.id}>
              <a href={`#/results/${run.id}`} aria-current={run.id === selected?.id ? 'true' : undefined}>
                <span className="run-name">{run.jobName}</span>
                <RunStatusBadge status={run.status} />
                <span className="muted small">{new Date(run.createdAt).toLocaleString()}</span>
              </a>
            </li>
          ))}
        </ul>
      </aside>
      <div className="jobs-main">
        {selected && (
          <>
            {selected.resultDir && (
              <div className="row">
                <button type="button" onClick={() => setPublishing(selected.id)}>
                  Publish to S3…
                </button>
              </div>
            )}
            <RunResults key={selected.id} run={selected} />
          </>
        )}
        {publishing && <PublishDialog runId={publishing} onClose={() => setPublishing(undefined)} />}
      </div>
    </div>
  );
}
