import { VIEWS } from './views/registry.tsx';

export interface ShortcutGroup {
  where: string;
  keys: { keys: string; what: string }[];
}

/**
 * Every keyboard shortcut of the app, for the help overlay (press ?). Keep README's "Keyboard"
 * paragraph in step. Ctrl is Cmd on macOS.
 */
export const SHORTCUTS: ShortcutGroup[] = [
  {
    where: 'Everywhere',
    keys: [
      { keys: 'Ctrl+1 … Ctrl+8', what: `Switch views: ${VIEWS.map((v) => v.label).join(', ')}` },
      { keys: '?', what: 'This list (outside text fields and terminals)' },
      { keys: 'Escape', what: 'Cancel a dialog (a transfer conflict waits for an answer)' },
    ],
  },
  {
    where: 'Jobs',
    keys: [
      { keys: 'Ctrl+Enter', what: 'Run the job on the chosen worker' },
      { keys: 'Ctrl+F', what: 'Search a log (Enter next, Shift+Enter previous, Escape clears)' },
      { keys: 'End', what: 'Follow the log’s end again' },
    ],
  },
  {
    where: 'Editor',
    keys: [
      { keys: 'Ctrl+S', what: 'Save the file' },
      { keys: 'Ctrl+Enter', what: 'Run the workspace on this computer (asks first when errors are marked)' },
      { keys: 'Enter / F2 / Delete', what: 'In the file tree: open, rename, delete' },
    ],
  },
  {
    where: 'Files',
    keys: [
      { keys: '↑ ↓ / Shift+↑ ↓', what: 'Move; extend the selection' },
      { keys: 'Space / Ctrl+click / Shift+click', what: 'Add to or take from the selection; select a range' },
      { keys: 'Ctrl+A', what: 'Select everything in the folder' },
      { keys: 'Enter / F2 / Delete', what: 'Open, rename, delete' },
      { keys: 'Ctrl+U', what: 'Upload files or folders from this computer' },
      { keys: 'Ctrl+D', what: 'Download the selection into the downloads folder' },
    ],
  },
  {
    where: 'Workers',
    keys: [
      { keys: '← →', what: 'Move between terminal tabs; Delete closes the focused tab' },
      { keys: 'Ctrl+Shift+C / Ctrl+Shift+V', what: 'Copy, paste in a terminal' },
    ],
  },
];
