import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { Notice } from '../../../shared/model.ts';
import { writeFileAtomic } from './atomic-write.ts';

const Saved = z.object({ version: z.literal(1), data: z.array(Notice.required({ id: true })) });

/**
 * Notices the user must see even if the app is closed before they look: a damaged file set
 * aside, say. They are kept in `notices.json` beside the documents and shown at every start
 * until the user dismisses them. Writes are serialised and atomic like the documents'.
 */
export class NoticeBoard {
  private queue: Promise<unknown> = Promise.resolve();
  /** What went wrong with notices.json itself (it cannot record that in itself). */
  private readonly own: Notice[] = [];

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The notices not yet dismissed, oldest first. */
  list(): Promise<Notice[]> {
    return this.serialise(async () => {
      const kept = await this.load();
      return [...this.own, ...kept];
    });
  }

  /** Keeps a notice until dismissed; returns it with its id. */
  add(notice: Omit<Notice, 'id'>): Promise<Notice> {
    return this.serialise(async () => {
      const saved = { ...notice, id: `${this.now().toISOString()}-${randomBytes(4).toString('hex')}` };
      await this.save([...(await this.load()), saved]);
      return saved;
    });
  }

  /** Forgets a notice the user has seen; an unknown id is not an error (seen in another window). */
  dismiss(id: string): Promise<void> {
    return this.serialise(async () => {
      const own = this.own.findIndex((n) => n.id === id);
      if (own >= 0) this.own.splice(own, 1);
      const current = await this.load();
      const left = current.filter((n) => n.id !== id);
      if (left.length !== current.length) await this.save(left);
    });
  }

  private async load(): Promise<Notice[]> {
    let raw: string | undefined;
    try {
      raw = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      // A folder where the file belongs is set aside like a damaged file.
      if ((err as NodeJS.ErrnoException).code !== 'EISDIR') throw err;
    }
    let doc: unknown;
    try {
      doc = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
      doc = undefined;
    }
    const parsed = Saved.safeParse(doc);
    if (parsed.success) return parsed.data.data;
    // Damaged: kept aside like any document, and said once in memory (this file cannot hold it).
    const keptAs = join(dirname(this.file), `notices.corrupt-${this.now().toISOString().replace(/[:.]/g, '-')}.json`);
    await rename(this.file, keptAs);
    this.own.push({ id: `own-${randomBytes(4).toString('hex')}`, level: 'warning', message: `${this.file} could not be used, so earlier notices may be missing. It was kept as ${keptAs}.` });
    return [];
  }

  private async save(notices: Notice[]): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, data: notices }, null, 2)}\n`);
  }

  private serialise<R>(work: () => Promise<R>): Promise<R> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
