import { Run } from '../../../shared/model.ts';
import { listDocument, type DocumentStore } from '../store/document-store.ts';

/** The newest runs kept in the history; older ones drop off (their folders stay on disk). */
export const MAX_RUNS_KEPT = 500;

export const RUNS_DOCUMENT = listDocument('runs', Run, "the run history (the runs' folders and downloaded results stay on disk)");

/** Run history in the data dir, newest first. */
export class RunStore {
  constructor(private readonly store: DocumentStore) {}

  list(): Promise<Run[]> {
    return this.store.read(RUNS_DOCUMENT);
  }

  async get(id: string): Promise<Run | undefined> {
    return (await this.list()).find((run) => run.id === id);
  }

  /** Inserts or replaces a run by id. */
  put(run: Run): Promise<Run[]> {
    return this.store.update(RUNS_DOCUMENT, (runs) => [run, ...runs.filter((r) => r.id !== run.id)].slice(0, MAX_RUNS_KEPT));
  }
}
