import { useState } from 'react';
import { useClient } from '../api/context.tsx';

/** "Download results": fetches every finished run's output from one worker (before it goes), then says what came. */
export function DownloadWorkerResults({ workerId }: { workerId: string }) {
  const client = useClient();
  const [state, setState] = useState<{ busy?: boolean; said?: string; failed?: boolean }>({});

  const download = async () => {
    setState({ busy: true });
    try {
      const done = await client.call('jobs:download-worker-results', { workerId });
      const what = done.runs === 0 ? 'Every finished run’s output is already here.' : `Downloaded ${done.files} ${done.files === 1 ? 'file' : 'files'} of ${done.runs} ${done.runs === 1 ? 'run' : 'runs'}.`;
      setState({ said: done.failed.length ? `${what} Not downloaded: ${done.failed.join('; ')}` : what, failed: done.failed.length > 0 });
    } catch (err) {
      setState({ said: (err as Error).message, failed: true });
    }
  };

  return (
    <>
      {/* A link to the Jobs view, where each run's download shows; following it starts them. */}
      <a href="#/jobs" aria-disabled={state.busy} onClick={() => void (state.busy ? undefined : download())}>
        Download results
      </a>
      {state.busy && <span className="muted">Downloading…</span>}
      {state.said && (
        <span className={state.failed ? 'error' : 'muted'} role="status">
          {state.said}
        </span>
      )}
    </>
  );
}
