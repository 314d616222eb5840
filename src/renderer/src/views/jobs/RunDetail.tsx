import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Run } from '../../../../shared/model.ts';
import { useClient } from '../../api/context.tsx';
import { useRunLog } from '../../lib/useRunLog.ts';
import { describeProgress, type LogBuffer } from '../../lib/log-buffer.ts';
import { LogView } from '../../components/LogView.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { useNow } from '../../lib/clock.ts';
import { formatDuration, formatLeft, plural } from '../../lib/format.ts';
import { RunOutputs, resultsLocation } from './RunOutputs.tsx';
import { RunResults } from '../../components/RunResults.tsx';
import { RunStatusBadge } from '../../components/RunStatusBadge.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { useAction } from '../../lib/useAction.ts';
import { ENGINE_LABEL } from '../../../../shared/packager-model.ts';
import { SparkUiLink } from './SparkUiLink.tsx';

function useBufferProgress(buffer: LogBuffer | undefined) {
  return useSyncExternalStore(
    (listener) => buffer?.subscribe(listener) ?? (() => {}),
    () => buffer?.progress,
  );
}

/** The log's length and its last line, for the folded log's summary. */
function useBufferTail(buffer: LogBuffer | undefined): { lines: number; last: string } {
  const tail = useSyncExternalStore(
    (listener) => buffer?.subscribe(listener) ?? (() => {}),
    () => (buffer ? `${buffer.lineCount}\n${buffer.line(buffer.lineCount - 1) ?? ''}` : '0\n'),
  );
  const newline = tail.indexOf('\n');
  // Colour codes are for the log view; the summary is plain text.
  // eslint-disable-next-line no-control-regex
  return { lines: Number(tail.slice(0, newline)), last: tail.slice(newline + 1).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '') };
}

/**
 * The run's log: open while it runs or when it ended without results here; folded to one line
 * (its length and last line) once results are shown, so they are in sight at once. A click on
 * the summary opens it, and the user's choice stands.
 */
function RunLog({ run, buffer, folded }: { run: Run; buffer: LogBuffer | undefined; folded: boolean }) {
  const [chosen, setChosen] = useState<boolean>();
  const open = chosen ?? !folded;
  const tail = useBufferTail(buffer);
  return (
    <details
      className="run-log"
      open={open}
      // The browser also fires toggle when React sets `open`: only a change the user made is a choice.
      onToggle={(e) => e.currentTarget.open !== open && setChosen(e.currentTarget.open)}
    >
      <summary>
        Log{' '}
        <span className="muted small">
          {tail.lines} {tail.lines === 1 ? 'line' : 'lines'}
          {!open && tail.last && ` · ${tail.last}`}
        </span>
      </summary>
      {open && (buffer ? <LogView key={buffer.id} buffer={buffer} label={`Log of run ${run.id}`} height={320} /> : <p className="muted">Loading the log…</p>)}
    </details>
  );
}

/** An EC2 worker's countdown while it matters: the run goes on, or its output is still there. */
function WorkerClock({ run, worker }: { run: Run; worker: WorkerInfo | undefined }) {
  const now = useNow();
  const deadline = worker?.ec2?.deadline ?? run.workerDeadline;
  const matters = run.status === 'running' || run.outputs.some((o) => !o.downloaded);
  if (!deadline || !matters || run.resultsLost) return null;
  return (
    <p className="muted small" data-testid="worker-time-left">
      {worker?.name ?? run.worker} terminates itself in {formatLeft((Date.parse(deadline) - now) / 1000)}
      {run.status !== 'running' ? ': download the output before then.' : '.'}
    </p>
  );
}

/** One run: where it runs, its state, progress, live log, its output files and results once it has ended. */
export function RunDetail({ run, worker }: { run: Run; worker?: WorkerInfo | undefined }) {
  const client = useClient();
  const workerName = run.worker === 'local' ? 'this computer' : (worker?.name ?? run.worker);
  const here = run.outputs.filter((o) => o.downloaded).map((o) => o.name);
  const where = resultsLocation(run, workerName);
  const buffer = useRunLog(run.id);
  const liveProgress = useBufferProgress(buffer);
  // While the app moves the run's code or output, that is the progress to show, not the log's.
  const moving = run.progress?.phase === 'upload' || run.progress?.phase === 'download';
  const progress = run.status === 'running' && !moving ? (liveProgress ?? run.progress) : run.progress;
  const [confirming, setConfirming] = useState(false);
  const { run: callCancel, error } = useAction(() => client.call('jobs:cancel', { runId: run.id }));

  useEffect(() => {
    if (!confirming) return;
    const timer = setTimeout(() => setConfirming(false), 4000);
    return () => clearTimeout(timer);
  }, [confirming]);

  const cancel = async () => {
    if (!confirming) return setConfirming(true);
    setConfirming(false);
    await callCancel();
  };

  const view = progress ? describeProgress(progress) : undefined;
  return (
    <article className="run-detail" aria-label={`Run ${run.id}`}>
      <header className="row spread">
        <div>
          <h2>
            {run.jobName} <RunStatusBadge status={run.status} />
          </h2>
          <p className="muted small">
            {run.id} · on {workerName} · started {new Date(run.createdAt).toLocaleString()} · {formatDuration(run)} ·{' '}
            {run.request.source.kind === 'package'
              ? `test run of ${run.request.source.path}`
              : `${plural(run.request.mappers, 'mapper')}, ${plural(run.request.reducers, 'reducer')} · ${ENGINE_LABEL[run.request.engine]}`}
          </p>
          {where && <p className="muted small" data-testid="results-location">Results: {where}</p>}
          <WorkerClock run={run} worker={worker} />
          <SparkUiLink run={run} buffer={buffer} workerName={workerName} />
        </div>
        {run.status === 'running' && (
          <button type="button" className={confirming ? 'danger' : ''} onClick={() => void cancel()}>
            {confirming ? 'Click again to cancel the run' : 'Cancel run'}
          </button>
        )}
      </header>
      <ErrorText error={error} />
      {run.warnings.map((warning) => (
        <p key={warning} className="banner warning" role="status" data-run-warning>
          {warning}
        </p>
      ))}
      {run.message && run.status !== 'succeeded' && (
        <pre className={`banner ${run.status === 'cancelled' ? 'warning' : 'error'}`} role="status">
          {run.message}
        </pre>
      )}
      {run.message && run.status === 'succeeded' && <p className="muted">{run.message}</p>}
      {view && <ProgressBar value={run.status === 'running' ? view.value : run.status === 'succeeded' ? 1 : view.value} label={view.label} detail={view.detail} />}
      <RunLog run={run} buffer={buffer} folded={run.status !== 'running' && here.length > 0} />
      {run.status !== 'running' && run.outputs.length > 0 && (run.worker !== 'local' || here.length < run.outputs.length) && <RunOutputs run={run} workerName={workerName} />}
      {run.status !== 'running' && here.length > 0 && <RunResults key={here.join('\0')} run={run} />}
    </article>
  );
}
