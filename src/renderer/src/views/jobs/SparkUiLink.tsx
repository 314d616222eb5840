import { useSyncExternalStore } from 'react';
import type { Run } from '../../../../shared/model.ts';
import { useClient } from '../../api/context.tsx';
import { ExternalLink } from '../../components/ExternalLink.tsx';
import { TunnelLink } from '../../components/TunnelLink.tsx';
import type { LogBuffer } from '../../lib/log-buffer.ts';

/** The runner's line announcing a Spark run's web UI (resources/worker/mapreduce/spark.py). */
const ANNOUNCED = /^Spark UI: (https?:\/\/\S+)$/;
/** Spark announces its UI near the log's start: only these first lines are looked at. */
const LOOK_AT_LINES = 200;
/** A UI on this computer, which the app may open: plain http on the loopback address. */
const LOCAL_UI = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/\S*)?$/;

/** Addresses found per log, kept once found (a long log may later drop its first lines). */
const announced = new WeakMap<LogBuffer, string>();

/** The Spark UI's address the run's log announced, if it did. */
function useAnnouncedUi(buffer: LogBuffer | undefined): string | undefined {
  return useSyncExternalStore(
    (listener) => buffer?.subscribe(listener) ?? (() => {}),
    () => {
      if (!buffer) return undefined;
      const known = announced.get(buffer);
      if (known !== undefined) return known;
      const end = Math.min(buffer.lineCount, buffer.firstIndex + LOOK_AT_LINES);
      for (let i = buffer.firstIndex; i < end; i++) {
        const url = ANNOUNCED.exec(buffer.line(i) ?? '')?.[1];
        if (url !== undefined) {
          announced.set(buffer, url);
          return url;
        }
      }
      return undefined;
    },
  );
}

/**
 * While a Spark run runs, its Spark UI: a link when it is on this computer; on a worker, its
 * address there and a button that opens it here through a tunnel over the worker's SSH
 * connection. It goes when the run ends, as Spark's UI stops with the run.
 */
export function SparkUiLink({ run, buffer, workerName }: { run: Run; buffer: LogBuffer | undefined; workerName: string }) {
  const url = useAnnouncedUi(buffer);
  if (run.status !== 'running' || run.request.engine !== 'spark' || !url) return null;
  if (run.worker === 'local' && LOCAL_UI.test(url)) {
    return (
      <p className="small" data-testid="spark-ui">
        <ExternalLink href={url} title={url}>
          Spark UI
        </ExternalLink>{' '}
        <span className="muted">while the run goes on</span>
      </p>
    );
  }
  const port = uiPort(url);
  return (
    <p className="muted small" data-testid="spark-ui">
      Spark UI: <code>{url}</code>
      {run.worker !== 'local' && `, on ${workerName}`}{' '}
      {run.worker !== 'local' && port !== undefined && <RemoteUi workerId={run.worker} port={port} />}
    </p>
  );
}

/** The port of the announced address (Spark's UI listens on every interface of its machine). */
function uiPort(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    return Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  } catch {
    return undefined;
  }
}

/** Opens a worker's Spark UI here, through a tunnel to its port on the worker itself. */
function RemoteUi({ workerId, port }: { workerId: string; port: number }) {
  const client = useClient();
  return <TunnelLink label="Open Spark UI" open={() => client.call('tunnels:open', { workerId, remoteHost: 'localhost', remotePort: port, label: 'Spark UI' })} />;
}
