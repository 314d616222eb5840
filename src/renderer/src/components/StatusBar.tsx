import type { AppInfo, HostKind } from '../../../shared/model.ts';
import { useConnectionState, useDropReason } from '../api/context.tsx';
import { KeyboardHelp } from './KeyboardHelp.tsx';

const HOST_LABEL: Record<HostKind, string> = {
  electron: 'Desktop app',
  web: 'Browser workbench',
  cli: 'Command line',
};

export function StatusBar({ info }: { info: AppInfo | undefined }) {
  const connection = useConnectionState();
  const dropReason = useDropReason();
  return (
    <footer className="status-bar">
      <span data-testid="host-kind">{info ? HOST_LABEL[info.host] : '…'}</span>
      <span className={`connection ${connection}`} data-testid="connection">
        {connection === 'open' ? 'Connected' : connection === 'reconnecting' ? 'Reconnecting…' : connection}
      </span>
      {connection !== 'open' && dropReason && (
        <span className="muted" data-testid="drop-reason">
          {dropReason}
        </span>
      )}
      <span className="spacer" />
      {info && (
        <span className="muted" title="Data directory">
          {info.dataDir}
        </span>
      )}
      <KeyboardHelp />
      {info && <span className="muted">v{info.version}</span>}
    </footer>
  );
}
