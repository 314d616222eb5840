import { useCallback, useState } from 'react';
import type { ScheduledRuns } from '../../../../shared/results-calls.ts';
import { formatUtc } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { useRuns } from '../../lib/useRuns.ts';
import { RunResults } from '../../components/RunResults.tsx';
import { RunStatusBadge } from '../../components/RunStatusBadge.tsx';
import { RELOAD, useLive } from '../../lib/useLive.ts';
import { PublishDialog } from './PublishDialog.tsx';
import { ScheduledRunDetail, ScheduledStatusBadge } from './ScheduledRunDetail.tsx';
import './results.css';

const readAgain = (): typeof RELOAD => RELOAD;

/** `scheduled/JOB/RUNID` (the URL of a scheduled run in Results), else undefined. */
function scheduledParam(param: string | undefined): { job: string; runId: string } | undefined {
  const match = /^scheduled\/([^/]+)\/([^/]+)$/.exec(param ?? '');
  return match ? { job: match[1]!, runId: match[2]! } : undefined;
}

function scheduledHref(job: string, runId: string): string {
  return `#/results/scheduled/${job}/${encodeURIComponent(runId)}`;
}

/** The outputs of finished runs and of scheduled runs: pick one, see its table and chart. */
export function ResultsView({ runId }: { runId: string | undefined }) {
  const client = useClient();
  const { runs, error } = useRuns();
  const [publishing, setPublishing] = useState<string>();
  const loadScheduled = useCallback(() => client.call('results:scheduled-runs', {}), [client]);
  // A scheduled run starting or ending changes the schedule list: the runs are read again then.
  const scheduled = useLive<ScheduledRuns, 'schedules:changed'>({ load: loadScheduled, topic: 'schedules:changed', apply: readAgain });
  if (error) return <p className="error" role="alert">{error}</p>;
  // Results shown here are files on this computer: a remote run's appear once downloaded.
  const withOutput = (runs ?? []).filter((r) => r.status !== 'running' && r.outputs.some((o) => o.downloaded));
  const scheduledRuns = scheduled.value?.runs ?? [];
  const wanted = scheduledParam(runId);
  const selectedScheduled = wanted ? scheduledRuns.find((r) => r.job === wanted.job && r.runId === wanted.runId) : undefined;
  if (runs && scheduled.value && withOutput.length === 0 && scheduledRuns.length === 0) {
    return (
      <EmptyState title="No results yet">
        The outputs of your finished runs and scheduled runs appear here as tables and charts.
        {scheduled.value.unavailable.map((u) => (
          <span key={u.job} className="error small">
            {' '}
            {u.job}: {u.message}
          </span>
        ))}
      </EmptyState>
    );
  }
  const selected = wanted ? undefined : (withOutput.find((r) => r.id === runId) ?? withOutput[0]);
  const showScheduled = wanted ? selectedScheduled : selected ? undefined : scheduledRuns[0];
  return (
    <div className="jobs-view">
      <aside className="jobs-side">
        {withOutput.length > 0 && scheduledRuns.length > 0 && <h2>Runs</h2>}
        {withOutput.length > 0 && (
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
        )}
        {scheduledRuns.length > 0 && (
          <>
            <h2>Scheduled runs</h2>
            <ul className="run-list" aria-label="Scheduled runs">
              {scheduledRuns.map((r) => (
                <li key={`${r.job}/${r.runId}`}>
                  <a
                    href={scheduledHref(r.job, r.runId)}
                    data-job={r.job}
                    data-run-id={r.runId}
                    aria-current={showScheduled && r.job === showScheduled.job && r.runId === showScheduled.runId ? 'true' : undefined}
                  >
                    <span className="run-name">{r.job}</span>
                    <ScheduledStatusBadge status={r.status} />
                    <span className="muted small" title={`started ${new Date(r.startedAt).toLocaleString()}`}>
                      {r.scheduledFor ? `for ${formatUtc(new Date(r.scheduledFor))}` : `run now, ${new Date(r.startedAt).toLocaleString()}`}
                    </span>
                    <span className="muted small">{r.here ? (r.backend === 'aws' ? 'downloaded' : '') : 'in S3'}</span>
                  </a>
                </li>
              ))}
            </ul>
          </>
        )}
        {scheduled.error && <p className="error small">{scheduled.error}</p>}
        {scheduled.value?.unavailable.map((u) => (
          <p key={u.job} className="error small">
            The runs of {u.job} could not be listed: {u.message}
          </p>
        ))}
      </aside>
      <div className="jobs-main">
        {wanted && !selectedScheduled && scheduled.value && (
          <p className="error" role="alert">
            There is no ended run {wanted.runId} of {wanted.job}.
          </p>
        )}
        {showScheduled && (
          <ScheduledRunDetail
            key={`${showScheduled.job}/${showScheduled.runId}`}
            run={showScheduled}
            jobRuns={scheduledRuns.filter((r) => r.job === showScheduled.job)}
            onOpened={() => void scheduled.reload()}
          />
        )}
        {!showScheduled && selected && (
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
