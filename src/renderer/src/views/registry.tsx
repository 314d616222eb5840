import { lazy, Suspense, type ReactNode } from 'react';
import { FilesView } from './files/FilesView.tsx';
import { JobsView } from './jobs/JobsView.tsx';
import { PackagerView } from './packager/PackagerView.tsx';
import { ResultsView } from './results/ResultsView.tsx';
import { SchedulesView } from './schedules/SchedulesView.tsx';
import { SettingsView } from './settings/SettingsView.tsx';
import { WorkersView } from './workers/WorkersView.tsx';

const EditorView = lazy(() => import('./editor/EditorView.tsx'));

export interface ViewSpec {
  id: string;
  label: string;
  icon: string;
  /** `param` is what follows the view in the URL hash (`#/jobs/<runId>`). */
  render: (param: string | undefined) => ReactNode;
}

/** Navigation order is shortcut order: Ctrl/Cmd+1 is the first view, and so on. */
export const VIEWS: ViewSpec[] = [
  {
    id: 'workers',
    label: 'Workers',
    icon: '▣',
    render: (workerId) => <WorkersView workerId={workerId} />,
  },
  {
    id: 'editor',
    label: 'Editor',
    icon: '✎',
    // Monaco is big: loaded when the Editor is first opened, not with the app.
    render: () => (
      <Suspense fallback={<p className="muted">Loading the editor…</p>}>
        <EditorView />
      </Suspense>
    ),
  },
  {
    id: 'jobs',
    label: 'Jobs',
    icon: '▶',
    render: (runId) => <JobsView runId={runId} />,
  },
  {
    id: 'files',
    label: 'Files',
    icon: '≡',
    render: (workerId) => <FilesView workerId={workerId} />,
  },
  {
    id: 'schedules',
    label: 'Schedules',
    icon: '◷',
    render: (param) => <SchedulesView param={param} />,
  },
  { id: 'package', label: 'Package', icon: '▦', render: () => <PackagerView /> },
  {
    id: 'results',
    label: 'Results',
    icon: '▤',
    render: (runId) => <ResultsView runId={runId} />,
  },
  { id: 'settings', label: 'Settings', icon: '⚙', render: () => <SettingsView /> },
];

export function viewFromHash(hash: string): { view: ViewSpec; param: string | undefined } {
  const [id, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const view = VIEWS.find((v) => v.id === id) ?? VIEWS[0]!;
  return { view, param: view.id === id && rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined };
}
