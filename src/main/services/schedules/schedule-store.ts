import { z } from 'zod';
import { StoredSchedule } from '../../../shared/schedule.ts';
import { listDocument, type DocumentStore } from '../store/document-store.ts';

export const SCHEDULES_DOCUMENT = listDocument('schedules', StoredSchedule, 'your schedules (the copies of their code in schedules/code stay on disk)');

/** Alerts already shown ("job/runId" or "job/missed/ISO"), so each is raised once. */
export const ALERTS_DOCUMENT = listDocument('schedule-alerts', z.string(), 'which schedule alerts were already shown (some may be shown again)');
const MAX_ALERTS_KEPT = 2000;

/** The schedules the user made, by name, in the data dir. */
export class ScheduleStore {
  constructor(private readonly store: DocumentStore) {}

  list(): Promise<StoredSchedule[]> {
    return this.store.read(SCHEDULES_DOCUMENT);
  }

  async get(name: string): Promise<StoredSchedule | undefined> {
    return (await this.list()).find((s) => s.name === name);
  }

  /** Changes the list with no other write in between; `change` may throw to refuse. */
  update(change: (current: StoredSchedule[]) => StoredSchedule[]): Promise<StoredSchedule[]> {
    return this.store.update(SCHEDULES_DOCUMENT, change);
  }

  /** Of these alert keys, the ones not raised before; they are marked raised. */
  async unseenAlerts(keys: string[]): Promise<string[]> {
    let fresh: string[] = [];
    await this.store.update(ALERTS_DOCUMENT, (seen) => {
      const known = new Set(seen);
      fresh = keys.filter((k) => !known.has(k));
      return [...seen, ...fresh].slice(-MAX_ALERTS_KEPT);
    });
    return fresh;
  }
}
