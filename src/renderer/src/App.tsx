import { useEffect, useState } from 'react';
import type { AppInfo, Theme } from '../../shared/model.ts';
import { useClient } from './api/context.tsx';
import { Banner } from './components/Banner.tsx';
import { StartNotices } from './components/StartNotices.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { useSettings } from './lib/useSettings.ts';
import { VIEWS, viewFromHash } from './views/registry.tsx';
import { ScheduleAlerts } from './views/schedules/ScheduleAlerts.tsx';
import { ExpiryBanners } from './views/workers/fleet/ExpiryBanners.tsx';
import { errorMessage } from './lib/errors.ts';

function useHashView() {
  const [view, setView] = useState(() => viewFromHash(location.hash));
  useEffect(() => {
    const onHash = () => setView(viewFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return view;
}

function useTheme(theme: Theme | undefined) {
  useEffect(() => {
    const root = document.documentElement;
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      root.dataset['theme'] = theme === 'light' || theme === 'dark' ? theme : media.matches ? 'dark' : 'light';
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}

/** Ctrl/Cmd+1 … 8 switch views, in navigation order (the list: press ?, src/renderer/src/keyboard-shortcuts.ts). */
function useViewShortcuts() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const view = VIEWS[Number(event.key) - 1];
      if (!view) return;
      event.preventDefault();
      location.hash = `#/${view.id}`;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function App() {
  const client = useClient();
  const { view, param } = useHashView();
  const { settings } = useSettings();
  const [info, setInfo] = useState<AppInfo>();
  const [infoError, setInfoError] = useState<string>();
  useTheme(settings?.theme);
  useViewShortcuts();

  useEffect(() => {
    client.call('app:info').then(setInfo, (err: unknown) => setInfoError(errorMessage(err)));
  }, [client]);

  return (
    <div className="app">
      <nav className="sidebar" aria-label="Views">
        <div className="brand">Analysis Workbench</div>
        <ul>
          {VIEWS.map((item, index) => (
            <li key={item.id}>
              <a
                href={`#/${item.id}`}
                aria-current={item.id === view.id ? 'page' : undefined}
                title={`${item.label} (Ctrl+${index + 1})`}
              >
                <span className="icon" aria-hidden="true">
                  {item.icon}
                </span>
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main className="content">
        {info && <StartNotices notices={info.notices} />}
        {infoError && <Banner level="error">{infoError}</Banner>}
        <ExpiryBanners />
        <ScheduleAlerts />
        <header className="view-header">
          <h1>{view.label}</h1>
        </header>
        <section className="view" data-view={view.id}>
          {view.render(param)}
        </section>
      </main>
      <StatusBar info={info} />
    </div>
  );
}
