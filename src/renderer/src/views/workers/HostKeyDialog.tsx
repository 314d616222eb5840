import { useEffect, useRef, useState } from 'react';
import type { PendingHostKey } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import '../../components/dialog.css';

export interface HostKeyDialogProps {
  hostKey: PendingHostKey;
  workerName: string;
  onTrusted: () => void;
  onClose: () => void;
}

/**
 * First contact with a host: show what it presented so the user can compare the fingerprint
 * with one obtained out of band, and only then trust it. A key that CHANGED is a different
 * dialog on purpose: a red warning with both fingerprints and no button that accepts it (the
 * fix is done outside the app, after finding out why the key changed).
 */
export function HostKeyDialog({ hostKey, workerName, onTrusted, onClose }: HostKeyDialogProps) {
  const client = useClient();
  const ref = useRef<HTMLDialogElement>(null);
  const firstButton = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const changed = hostKey.changedFrom !== undefined;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (!dialog.open) dialog.showModal();
    // Cancel first: trusting must be a deliberate choice, never a stray Enter.
    firstButton.current?.focus();
    return () => dialog.close();
  }, []);

  const trust = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await client.call('workers:trust-host-key', { workerId: hostKey.workerId, fingerprint: hostKey.fingerprint });
      onTrusted();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  const where = `${hostKey.host}:${hostKey.port}`;
  return (
    <dialog
      ref={ref}
      className={`host-key-dialog${changed ? ' changed' : ''}`}
      role={changed ? 'alertdialog' : 'dialog'}
      aria-labelledby="host-key-title"
      aria-describedby="host-key-body"
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {changed ? (
        <>
          <h2 id="host-key-title">Warning: the host key of {workerName} has changed</h2>
          <div id="host-key-body" className="host-key-body">
            <p>
              <strong>
                {where} now presents a different {hostKey.keyType} key than the one this app trusted before. Someone may be
                intercepting the connection, or the host was reinstalled.
              </strong>
            </p>
            <dl className="fingerprints">
              <dt>Trusted before</dt>
              <dd className="mono" data-testid="host-key-previous">
                {hostKey.changedFrom}
              </dd>
              <dt>Presented now</dt>
              <dd className="mono" data-testid="host-key-fingerprint">
                {hostKey.fingerprint}
              </dd>
            </dl>
            <p>
              The app will not connect. Ask the host’s administrator whether the key really changed; if it did, remove the old
              entry for {where} from the app’s known_hosts file and connect again.
            </p>
          </div>
          <div className="dialog-buttons">
            <button type="button" ref={firstButton} onClick={onClose}>
              Close
            </button>
          </div>
        </>
      ) : (
        <>
          <h2 id="host-key-title">Trust the host key of {workerName}?</h2>
          <div id="host-key-body" className="host-key-body">
            <p>
              This is the first connection to <span className="mono">{where}</span>. Check that the fingerprint below matches the
              host’s real key (on the host: <span className="mono">ssh-keygen -lf /etc/ssh/ssh_host_{keyFileName(hostKey.keyType)}_key.pub</span>)
              before trusting it.
            </p>
            <dl className="fingerprints">
              <dt>Host</dt>
              <dd className="mono">{where}</dd>
              <dt>Key type</dt>
              <dd className="mono" data-testid="host-key-type">
                {hostKey.keyType}
              </dd>
              <dt>Fingerprint</dt>
              <dd className="mono fingerprint" data-testid="host-key-fingerprint">
                {hostKey.fingerprint}
              </dd>
            </dl>
          </div>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="dialog-buttons">
            <button type="button" ref={firstButton} onClick={onClose} disabled={busy}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => void trust()} disabled={busy}>
              {busy ? 'Connecting…' : 'Trust and connect'}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

/** `ssh-ed25519` -> `ed25519`, `ecdsa-sha2-nistp256` -> `ecdsa`: the name of the host key file. */
function keyFileName(keyType: string): string {
  if (keyType.startsWith('ecdsa')) return 'ecdsa';
  return keyType.replace(/^ssh-/, '');
}
