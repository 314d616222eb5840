import type { AppInfo, HostKind } from '../../../shared/model.ts';
import { useConnectionState } from '../api/context.tsx';
import { KeyboardHelp } from './KeyboardHelp.tsx';

const HOST_LABEL: Record<HostKind, string> = {
  electron: 'Desktop app',
  web: 'Browser workbench',
  cli: 'Command line',
};

export function StatusBar({ info }: { info: AppInfo | undefined }) {
  const connection = useConnectionState();
  return (
    <footer className="status-bar">
      <span data-testid="host-kind">{info ? HOST_LABEL[info.host] : '…'}</span>
      <span className={`connection ${connection}`} data-testid="connection">
        {connection === 'open' ? 'Connected' : connection === 'reconnecting' ? 'Reconnecting…' : connection}
      </span>
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
