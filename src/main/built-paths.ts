import { join } from 'node:path';

export interface AppPaths {
  /** The built renderer (index.html and assets). */
  rendererDir: string;
  /** resources/: the worker runtime and the example jobs. */
  resourcesDir: string;
}

/**
 * Where the built app's parts are, seen from an entry file in out/main (only the entries know
 * their place: shared chunks are built a level deeper).
 */
export function builtPaths(entryDir: string): AppPaths {
  return { rendererDir: join(entryDir, '../renderer'), resourcesDir: join(entryDir, '../../resources') };
}
