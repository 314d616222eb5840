/**
 * The folder open in the Editor, remembered on this computer: the Editor writes it, the Jobs
 * view offers it as a job beside the data folder's workspaces.
 */
export const EDITOR_ROOT_KEY = 'workbench.editor.root';

export function editorWorkspaceRoot(): string | undefined {
  return localStorage.getItem(EDITOR_ROOT_KEY) ?? undefined;
}
