import { useCallback, useSyncExternalStore } from 'react';

/**
 * The Package view's state, outside React: leaving the view (a Test run opens the Jobs view)
 * and coming back finds the folder, its rules, the wrapper's settings, the build and the
 * inspection as they were, and a build or a call that ends meanwhile still lands here.
 * One page holds one connection, so one set of values serves it.
 */
const values = new Map<string, unknown>();
const listeners = new Map<string, Set<() => void>>();

/** Sets a kept value (from anywhere: a promise that resolves after the view has gone too). */
function setKept<T>(key: string, next: T | ((previous: T) => T)): void {
  const value = typeof next === 'function' ? (next as (previous: T) => T)(values.get(key) as T) : next;
  values.set(key, value);
  for (const listener of listeners.get(key) ?? []) listener();
}

/** useState whose value outlives the component: kept under `key` for as long as the page is open. */
export function useKept<T>(key: string, initial: T): [T, (next: T | ((previous: T) => T)) => void] {
  // The first value is stored once, so the snapshot is the same object render after render.
  if (!values.has(key)) values.set(key, initial);
  const subscribe = useCallback(
    (listener: () => void) => {
      const set = listeners.get(key) ?? new Set();
      listeners.set(key, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    [key],
  );
  const value = useSyncExternalStore(subscribe, () => values.get(key) as T);
  const set = useCallback((next: T | ((previous: T) => T)) => setKept(key, next), [key]);
  return [value, set];
}
