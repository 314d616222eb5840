import type { ReactNode } from 'react';
import { EmptyState } from '../components/EmptyState.tsx';
import { JobsView } from './jobs/JobsView.tsx';
import { ResultsView } from './ResultsView.tsx';
import { SettingsView } from './SettingsView.tsx';

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
    render: () => (
      <EmptyState title="No workers yet">
        Workers are the machines your jobs run on: this computer, an SSH host of your own, or an EC2 instance that
        terminates itself 24 hours after launch.
      </EmptyState>
    ),
  },
  {
    id: 'editor',
    label: 'Editor',
    icon: '✎',
    render: () => (
      <EmptyState title="No job open">Map/reduce scripts and their filter JSON are edited here.</EmptyState>
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
    render: () => <EmptyState title="No worker connected">Browse and transfer files on a worker here.</EmptyState>,
  },
  {
    id: 'schedules',
    label: 'Schedules',
    icon: '◷',
    render: () => (
      <EmptyState title="No schedules">Jobs that run daily, weekly or monthly and publish to S3 are listed here.</EmptyState>
    ),
  },
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
