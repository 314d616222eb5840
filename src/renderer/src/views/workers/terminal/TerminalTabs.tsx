import { useEffect, useState, useSyncExternalStore, type KeyboardEvent } from 'react';
import '@xterm/xterm/css/xterm.css';
import type { WorkerInfo } from '../../../../../shared/worker-model.ts';
import { useClient } from '../../../api/context.tsx';
import { terminalStoreFor, type TabInfo } from './terminal-store.ts';
import { TerminalPane } from './TerminalPane.tsx';
import './terminal.css';

const STATUS_MARK: Record<TabInfo['status'], string> = { starting: '…', open: '', closed: ' (ended)', failed: ' (failed)' };

/** Remembers the chosen tab per worker across view switches, like the sessions themselves. */
const activeByWorker = new Map<string, string>();

/**
 * Shell tabs on one worker. Tabs stay when the connection drops (their screens keep what was
 * there, and the core writes its reconnect notice into them); new tabs need a connection.
 */
export function TerminalTabs({ worker }: { worker: WorkerInfo }) {
  const client = useClient();
  const store = terminalStoreFor(client);
  const tabs = useSyncExternalStore(store.subscribe, () => store.tabs(worker.id));
  const [chosen, setChosen] = useState(() => activeByWorker.get(worker.id));
  const active = tabs.find((t) => t.key === chosen)?.key ?? tabs.at(-1)?.key;
  const connected = worker.state === 'connected';

  useEffect(() => {
    if (active) activeByWorker.set(worker.id, active);
  }, [active, worker.id]);

  const open = () => setChosen(store.create(worker.id));

  const close = (key: string) => {
    const index = tabs.findIndex((t) => t.key === key);
    store.close(key);
    if (key === active) setChosen(tabs[index + 1]?.key ?? tabs[index - 1]?.key);
  };

  // Arrow keys move between tabs (the WAI-ARIA tabs pattern); Delete closes the focused one.
  const onTabKey = (event: KeyboardEvent, index: number) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step !== 0) {
      event.preventDefault();
      const next = tabs[(index + step + tabs.length) % tabs.length];
      if (next) {
        setChosen(next.key);
        document.getElementById(`tab-${next.key}`)?.focus();
      }
    } else if (event.key === 'Delete') {
      event.preventDefault();
      close(tabs[index]!.key);
    }
  };

  const current = tabs.find((t) => t.key === active);
  return (
    <section className="terminals" aria-label={`Terminals on ${worker.name}`}>
      <div className="terminal-tabbar" hidden={tabs.length === 0}>
        <div role="tablist" aria-label="Terminal tabs" className="terminal-tablist">
          {tabs.map((tab, index) => (
            <div key={tab.key} className={`terminal-tab${tab.key === active ? ' active' : ''}`} data-status={tab.status}>
              <button
                type="button"
                role="tab"
                id={`tab-${tab.key}`}
                aria-selected={tab.key === active}
                aria-controls={`panel-${tab.key}`}
                tabIndex={tab.key === active ? 0 : -1}
                onClick={() => setChosen(tab.key)}
                onKeyDown={(event) => onTabKey(event, index)}
              >
                {tab.title}
                {STATUS_MARK[tab.status]}
              </button>
              <button type="button" className="terminal-tab-close" aria-label={`Close ${tab.title}`} title="Close tab" onClick={() => close(tab.key)}>
                ×
              </button>
            </div>
          ))}
        </div>
        <button type="button" className="terminal-new" onClick={open} disabled={!connected} aria-label="New terminal" title={connected ? 'New terminal' : 'Connect first'}>
          +
        </button>
        {current && (current.status === 'closed' || current.status === 'failed') && connected && (
          <button type="button" onClick={() => store.reopen(current.key)}>
            Restart shell
          </button>
        )}
      </div>
      {!connected && tabs.length > 0 && (
        <p className="terminal-offline muted small" role="status">
          {worker.state === 'reconnecting' ? 'Connection lost; reconnecting…' : 'Not connected.'} The tabs keep what they showed.
        </p>
      )}
      {tabs.length === 0 ? (
        <div className="terminal-empty">
          {connected ? (
            <button type="button" className="primary" onClick={open}>
              Open a terminal
            </button>
          ) : (
            <p className="muted">Connect to open a terminal.</p>
          )}
        </div>
      ) : (
        tabs.map((tab) => <TerminalPane key={tab.key} store={store} tabKey={tab.key} active={tab.key === active} label={`Terminal ${tab.title} on ${worker.name}`} />)
      )}
    </section>
  );
}
