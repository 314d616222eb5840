import type { ConnectionState } from '../../../shared/worker-model.ts';

const LABEL: Record<ConnectionState, string> = {
  disconnected: 'Disconnected',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  failed: 'Failed',
};

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span className={`badge conn-${state}`} data-state={state}>
      {LABEL[state]}
    </span>
  );
}
