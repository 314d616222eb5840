import { useState } from 'react';
import type { Tunnel } from '../../../shared/tunnel-model.ts';
import { useClient } from '../api/context.tsx';
import { useSteps } from '../lib/useAction.ts';
import { ErrorText } from './ErrorText.tsx';
import { ExternalLink } from './ExternalLink.tsx';
import './components.css';

/**
 * A web UI a worker serves only on its side, opened through a tunnel over its SSH connection:
 * first a button that opens the tunnel (the worker must show it can reach the UI), then a link
 * to the tunnel's 127.0.0.1 address and a button that closes it.
 */
export function TunnelLink({ label, open }: { label: string; open: () => Promise<Tunnel> }) {
  const client = useClient();
  const [tunnel, setTunnel] = useState<Tunnel>();
  const { run, pending, error } = useSteps();

  if (!tunnel) {
    return (
      <span className="tunnel-link" data-tunnel={label}>
        <button type="button" disabled={pending} onClick={() => void run(async () => setTunnel(await open()))}>
          {pending ? `Opening ${label}…` : label}
        </button>
        <ErrorText error={error} />
      </span>
    );
  }
  return (
    <span className="tunnel-link" data-tunnel={label}>
      <ExternalLink href={tunnel.url} title={`${tunnel.url}, carried over SSH to ${tunnel.remoteHost}:${tunnel.remotePort}`}>
        {label} ↗
      </ExternalLink>{' '}
      <span className="muted small">127.0.0.1:{tunnel.localPort}</span>{' '}
      <button
        type="button"
        className="tunnel-close"
        aria-label={`Close the tunnel to ${label}`}
        disabled={pending}
        onClick={() =>
          void run(async () => {
            await client.call('tunnels:close', { id: tunnel.id });
            setTunnel(undefined);
          })
        }
      >
        Close
      </button>
      <ErrorText error={error} />
    </span>
  );
}
