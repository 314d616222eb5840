import type { ReactNode } from 'react';
import { EmptyState } from '../components/EmptyState.tsx';
import { SettingsView } from './SettingsView.tsx';

export interface ViewSpec {
  id: string;
  label: string;
  icon: string;
  render: () => ReactNode;
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
    render: () => <EmptyState title="No runs yet">Runs and their live logs appear here.</EmptyState>,
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
    render: () => <EmptyState title="No results">Downloaded outputs of your runs, as tables and charts.</EmptyState>,
  },
  { id: 'settings', label: 'Settings', icon: '⚙', render: () => <SettingsView /> },
];

export function viewFromHash(hash: string): ViewSpec {
  const id = hash.replace(/^#\/?/, '');
  return VIEWS.find((view) => view.id === id) ?? VIEWS[0]!;
}
