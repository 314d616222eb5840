import { join } from 'node:path';
import { WorkspaceService } from '../services/workspace/workspace-service.ts';
import type { Core, Domain } from './domain.ts';
import type { JobsDomain } from './jobs.ts';

type WorkspaceCalls =
  | 'workspace:list'
  | 'workspace:open'
  | 'workspace:close'
  | 'workspace:new'
  | 'workspace:tree'
  | 'workspace:read'
  | 'workspace:write'
  | 'workspace:create'
  | 'workspace:rename'
  | 'workspace:delete'
  | 'workspace:check-python';

/** The Editor's job workspaces: folders on disk, watched while open, new ones made from the examples. */
export function createWorkspaceDomain(core: Pick<Core, 'dataDir' | 'bus'>, deps: { jobs: JobsDomain }): Domain<WorkspaceCalls> {
  const workspaces = new WorkspaceService({
    workspacesDir: join(core.dataDir, 'workspaces'),
    examples: deps.jobs.examples,
    changed: (root, paths) => core.bus.emit('workspace:changed', { root, paths }, root),
  });
  return {
    handlers: {
      'workspace:list': () => workspaces.list(),
      'workspace:open': ({ path }) => workspaces.openFolder(path),
      'workspace:close': ({ root }) => (workspaces.close(root), null),
      'workspace:new': ({ name, from }) => workspaces.newJob(name, from),
      'workspace:tree': ({ root }) => workspaces.tree(root),
      'workspace:read': ({ root, path, large }) => workspaces.read(root, path, large),
      'workspace:write': ({ root, path, text }) => workspaces.write(root, path, text),
      'workspace:create': async ({ root, path, kind }) => (await workspaces.create(root, path, kind), null),
      'workspace:rename': async ({ root, from, to }) => (await workspaces.rename(root, from, to), null),
      'workspace:delete': async ({ root, path }) => (await workspaces.delete(root, path), null),
      'workspace:check-python': ({ root, path, text }) => workspaces.checkPython(root, path, text),
    },
    close: () => workspaces.closeAll(),
  };
}
