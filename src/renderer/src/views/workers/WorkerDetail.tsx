import { useState } from 'react';
import type { PendingHostKey, WorkerInfo } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { ConfirmDialog } from '../../components/ConfirmDialog.tsx';
import { ConnectionBadge } from '../../components/ConnectionBadge.tsx';
import { DeadlineClock } from './fleet/DeadlineClock.tsx';
import { HostKeyDialog } from './HostKeyDialog.tsx';
import { terminalStoreFor } from './terminal/terminal-store.ts';
import { TerminalTabs } from './terminal/TerminalTabs.tsx';
import { useConnect } from './useConnect.ts';
import { describeWorker } from '../../lib/useWorkers.ts';
import { useAction } from '../../lib/useAction.ts';

/** Why a cluster's master asks for its host key once, where an EC2 worker's is pinned. */
const CLUSTER_HOST_KEY_NOTE =
  'Its host key cannot be pinned before the first connection: EMR takes no host key at launch. The first connection shows the key for you to confirm; from then on the app accepts only that key.';

export interface WorkerDetailProps {
  worker: WorkerInfo;
  eventKey: PendingHostKey | undefined;
  onHostKeySettled: () => void;
  onRemoved: () => void;
}

/** One worker: how it is reached, its connection (connect, disconnect, host key), its terminals. */
export function WorkerDetail({ worker, eventKey, onHostKeySettled, onRemoved }: WorkerDetailProps) {
  const client = useClient();
  const conn = useConnect(worker.id, eventKey);
  const [removing, setRemoving] = useState(false);
  const { run: remove, pending: removeBusy, error: removeError } = useAction(async () => {
    await client.call('workers:remove', { workerId: worker.id });
    terminalStoreFor(client).closeWorker(worker.id);
    setRemoving(false);
    onRemoved();
  });
  // SSH hosts and EC2 workers are both reached over SSH: connection, host key, terminals.
  const isRemote = worker.kind !== 'local';
  const live = worker.state === 'connected' || worker.state === 'connecting' || worker.state === 'reconnecting';
  const title = isRemote ? worker.name : 'This computer';

  return (
    <article className="worker-detail" aria-label={`Worker ${title}`}>
      <header className="row spread">
        <div>
          <h2>
            {title} <ConnectionBadge state={worker.state} />
          </h2>
          <p className="muted small">
            {isRemote ? (
              <>
                <span className="mono">{describeWorker(worker)}</span> · work folder <span className="mono">{worker.workDir ?? '~/.workbench'}</span>
              </>
            ) : (
              'Runs and files on the machine this app runs on.'
            )}
          </p>
          {worker.ec2 && (
            <p className="muted small worker-ec2">
              EC2 {worker.ec2.instanceType} in {worker.ec2.region} ({worker.ec2.instanceState}) · host key pinned at launch ·{' '}
              <DeadlineClock {...worker.ec2} live /> · <a href={`#/files/${worker.id}`}>Files</a>
            </p>
          )}
          {worker.cluster && (
            <>
              <p className="muted small worker-ec2">
                Master node of the Spark cluster {worker.cluster.clusterId} (1 + {worker.cluster.coreNodes} × {worker.cluster.instanceType} in {worker.cluster.region}, {worker.cluster.clusterState}) ·{' '}
                <DeadlineClock {...worker.cluster} live ending="AWS terminates it" /> · <a href={`#/files/${worker.id}`}>Files</a>
              </p>
              <p className="muted small" data-testid="cluster-host-key-note">
                {CLUSTER_HOST_KEY_NOTE}
              </p>
            </>
          )}
        </div>
        {isRemote && (
          <div className="row">
            {live ? (
              <button type="button" onClick={() => void conn.disconnect()} disabled={conn.busy}>
                Disconnect
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => void conn.connect()} disabled={conn.busy}>
                {conn.busy ? 'Connecting…' : 'Connect'}
              </button>
            )}
            {/* An EC2 worker is terminated (in the EC2 workers list), not removed. */}
            {worker.kind === 'ssh' && (
              <button type="button" onClick={() => setRemoving(true)}>
                Remove…
              </button>
            )}
          </div>
        )}
      </header>

      {/* While a new host key waits for the user, the dialog or banner below says all there is to say. */}
      {worker.state === 'failed' && worker.message && !conn.error && !(conn.hostKey && !conn.hostKey.changedFrom) && (
        <p className="banner error" role="alert">
          {worker.message}
        </p>
      )}
      {worker.state === 'reconnecting' && (
        <p className="banner warning" role="status">
          {worker.message ?? 'The connection dropped; reconnecting…'}
        </p>
      )}
      {conn.error && (
        <p className="banner error" role="alert">
          {conn.error}
        </p>
      )}
      {conn.hostKey && !conn.dialogOpen && (
        <div className={`banner ${conn.hostKey.changedFrom ? 'error' : 'warning'}`} role="status">
          <span>{conn.hostKey.changedFrom ? 'This host’s key has changed; the app will not connect.' : 'This host’s key is waiting for your decision.'}</span>
          <button type="button" className="link-button" onClick={conn.openDialog}>
            {conn.hostKey.changedFrom ? 'Show details' : 'Review host key'}
          </button>
        </div>
      )}

      {isRemote ? (
        <TerminalTabs worker={worker} />
      ) : (
        <p className="muted">Terminals here are for SSH hosts; on this computer, use your usual terminal app.</p>
      )}

      {conn.dialogOpen && conn.hostKey && (
        <HostKeyDialog
          key={conn.hostKey.fingerprint}
          hostKey={conn.hostKey}
          workerName={title}
          pinned={worker.kind === 'ec2'}
          note={worker.kind === 'cluster' ? CLUSTER_HOST_KEY_NOTE : undefined}
          onClose={conn.closeDialog}
          onTrusted={() => {
            conn.trusted();
            onHostKeySettled();
          }}
        />
      )}
      {removing && (
        <ConfirmDialog
          title={`Remove ${title}?`}
          confirmLabel="Remove"
          danger
          busy={removeBusy}
          error={removeError}
          onCancel={() => setRemoving(false)}
          onConfirm={() => void remove()}
        >
          <p>
            The app forgets <span className="mono">{describeWorker(worker)}</span> and closes its terminals. Nothing on the host is
            touched.
          </p>
        </ConfirmDialog>
      )}
    </article>
  );
}
