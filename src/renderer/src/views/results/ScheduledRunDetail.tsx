import { useEffect, useState } from 'react';
import { readableLog } from '../../../../shared/progress-view.ts';
import type { ResultsDownloadProgress, ScheduledRun, ScheduledRunFiles } from '../../../../shared/results-calls.ts';
import { formatLocal, formatUtc } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { ProgressBar } from '../../components/ProgressBar.tsx';
import { RunResults } from '../../components/RunResults.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { formatBytes, plural } from '../../lib/format.ts';
import { RunHistory } from './RunHistory.tsx';

const STATUS_LABEL: Record<ScheduledRun['status'], string> = { succeeded: 'Succeeded', failed: 'Failed', 'timed-out': 'Timed out', blocked: 'Blocked' };

/** The badge a scheduled run's status gets (the same look as a job run's). */
export function ScheduledStatusBadge({ status }: { status: ScheduledRun['status'] }) {
  return (
    <span className={`badge status-${status === 'blocked' ? 'failed' : status}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  );
}

function newDownloadId(): string {
  return `dl-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * One scheduled run as a result: its output opened here (downloaded from S3 first, with progress
 * and Cancel, when it was published there), shown as table and chart, its log as people read it,
 * and the job's runs side by side.
 */
export function ScheduledRunDetail({ run, jobRuns, onOpened }: { run: ScheduledRun; jobRuns: readonly ScheduledRun[]; onOpened: () => void }) {
  const client = useClient();
  const [files, setFiles] = useState<ScheduledRunFiles>();
  const [error, setError] = useState<string>();
  const [progress, setProgress] = useState<ResultsDownloadProgress>();
  const [downloadId, setDownloadId] = useState(newDownloadId);
  const [log, setLog] = useState<{ text: string; truncated: boolean } | string>();
  const { job, runId } = run;

  useEffect(() => {
    // Keyed by run in the view: a new run is a new component, so only a retry changes downloadId.
    let current = true;
    const stop = client.subscribe('results:download-progress', (p) => current && setProgress(p), downloadId);
    client.call('results:open-scheduled', { job, runId, downloadId }).then(
      (opened) => {
        if (!current) return;
        setFiles(opened);
        onOpened();
      },
      (err: unknown) => current && setError(errorMessage(err)),
    );
    return () => {
      current = false;
      stop();
    };
    // onOpened is the parent's reload; a new one must not download again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, job, runId, downloadId]);

  useEffect(() => {
    let current = true;
    client.call('schedules:log', { name: job, runId }).then(
      (l) => current && setLog(l),
      (err: unknown) => current && setLog(errorMessage(err)),
    );
    return () => {
      current = false;
    };
  }, [client, job, runId]);

  const fromS3 = run.output.startsWith('s3://');
  return (
    <div className="scheduled-run" data-job={job} data-run-id={runId}>
      <div className="row spread">
        <h2>
          {job} <span className="muted small">run {runId}</span> <ScheduledStatusBadge status={run.status} />
        </h2>
        <span className="muted small" title={formatLocal(new Date(run.startedAt))}>
          {run.scheduledFor ? `scheduled for ${formatUtc(new Date(run.scheduledFor))}` : 'run now'} · started {formatUtc(new Date(run.startedAt))}
        </span>
      </div>
      {run.filesPublished > 0 && (
        <p className="muted small">
          {plural(run.filesPublished, 'file')}, {formatBytes(run.bytesPublished)} published to <code>{run.output}</code>
          {fromS3 && files && ` · downloaded to ${files.folder}`}
        </p>
      )}
      {run.message && <p className={run.status === 'succeeded' ? 'muted' : 'error'}>{run.message.split('\n')[0]}</p>}
      {error && (
        <div className="row">
          <p className="error" role="alert">
            {error}
          </p>
          {fromS3 && (
            <button
              type="button"
              onClick={() => {
                setError(undefined);
                setProgress(undefined);
                setDownloadId(newDownloadId());
              }}
            >
              Download again
            </button>
          )}
        </div>
      )}
      {!files && !error && fromS3 && (
        <div className="row scheduled-download">
          <ProgressBar
            label="Downloading the output from S3"
            {...(progress && progress.bytesTotal > 0 && { value: progress.bytesDone / progress.bytesTotal })}
            detail={progress ? `${formatBytes(progress.bytesDone)} of ${formatBytes(progress.bytesTotal)} · ${progress.filesDone} of ${plural(progress.filesTotal, 'file')}` : 'Listing the files…'}
          />
          <button type="button" onClick={() => void client.call('results:cancel-download', { downloadId })}>
            Cancel
          </button>
        </div>
      )}
      {!files && !error && !fromS3 && <p className="muted">Opening the output…</p>}
      {files && files.files.length === 0 && <p className="muted">This run published no output.</p>}
      {files && files.files.length > 0 && <RunResults key={`${job}/${runId}`} scheduled={files} />}
      <details className="scheduled-log">
        <summary>Log</summary>
        {log === undefined && <p className="muted">Reading the log…</p>}
        {typeof log === 'string' && <p className="error">{log}</p>}
        {log && typeof log !== 'string' && (
          <div aria-label={`Log of run ${runId}`}>
            {log.truncated && <p className="muted small">The last 1 MB of the log.</p>}
            {/* The runner's @progress lines read as one line per step. */}
            <pre>{readableLog(log.text)}</pre>
          </div>
        )}
      </details>
      {files && <RunHistory key={job} job={job} runs={jobRuns} files={files.files.map((f) => f.name)} reference={runId} onDownloaded={onOpened} />}
    </div>
  );
}
