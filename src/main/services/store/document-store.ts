import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { WorkbenchError } from '../../../shared/errors.ts';
import type { Notice, NoticeAction } from '../../../shared/model.ts';
import { describeZodError } from '../../zod-message.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { NoticeBoard } from './notice-board.ts';

/** A kind of document: its file name, current version, schema and how older versions upgrade. */
export interface DocumentSpec<T> {
  name: string;
  version: number;
  schema: z.ZodType<T>;
  defaults: () => T;
  /** What the user goes without when the file is damaged, e.g. "the run history". */
  holds: string;
  /** A call that finds what was lost again elsewhere, offered beside the notice. */
  recover?: NoticeAction;
  /** `migrations[n]` turns version n data into version n + 1 data. */
  migrations?: Record<number, (data: unknown) => unknown>;
}

/** A document holding a list of `item`, version 1, empty until something is put in it. */
export function listDocument<T>(name: string, item: z.ZodType<T>, holds: string, extra: Pick<DocumentSpec<T[]>, 'recover'> = {}): DocumentSpec<T[]> {
  return { name, version: 1, schema: z.array(item), defaults: () => [], holds, ...extra };
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** What readRaw gives for a folder where the document's file belongs. */
const FOLDER = Symbol('folder');

/**
 * Versioned JSON documents in one folder, each file `{"version": n, "data": ...}`.
 * Writes are atomic and serialised per document. A file that cannot be read is never
 * overwritten silently: a corrupt one is moved aside, a notice kept until the user dismisses
 * it says which file, where the copy is and what is missing, and the document starts again
 * from its defaults. One written by a newer version is left alone and refused.
 */
export class DocumentStore {
  private readonly pending = new Map<string, Promise<unknown>>();
  /** Notices about documents set aside (`notices.json` in the same folder). */
  readonly notices: NoticeBoard;

  constructor(
    readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.notices = new NoticeBoard(join(dir, 'notices.json'), now);
  }

  pathOf(spec: DocumentSpec<unknown>): string {
    if (!NAME.test(spec.name)) throw new Error(`Bad document name: ${spec.name}`);
    return join(this.dir, `${spec.name}.json`);
  }

  /**
   * Reads each document once, at start: a damaged one is set aside and its kept notice made
   * before anything is shown. Ones that cannot be used as they are (written by a newer
   * version, unreadable) are left alone and come back as notices for this start.
   */
  async check(specs: readonly DocumentSpec<unknown>[]): Promise<Notice[]> {
    const notices: Notice[] = [];
    for (const spec of specs) {
      try {
        await this.read(spec);
      } catch (err) {
        if (!(err instanceof WorkbenchError)) throw err;
        notices.push({ level: 'warning', message: err.message });
      }
    }
    return notices;
  }

  async read<T>(spec: DocumentSpec<T>): Promise<T> {
    return this.serialise(spec, () => this.readNow(spec));
  }

  async write<T>(spec: DocumentSpec<T>, value: T): Promise<void> {
    return this.serialise(spec, async () => {
      await this.refuseNewer(spec);
      const data = spec.schema.parse(value);
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.pathOf(spec), `${JSON.stringify({ version: spec.version, data }, null, 2)}\n`);
    });
  }

  /** Read, change and write one document with no other write in between. */
  async update<T>(spec: DocumentSpec<T>, change: (current: T) => T): Promise<T> {
    return this.serialise(spec, async () => {
      const next = spec.schema.parse(change(await this.readNow(spec)));
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(this.pathOf(spec), `${JSON.stringify({ version: spec.version, data: next }, null, 2)}\n`);
      return next;
    });
  }

  private serialise<R>(spec: DocumentSpec<unknown>, work: () => Promise<R>): Promise<R> {
    const previous = this.pending.get(spec.name) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.pending.set(spec.name, settled);
    void settled.then(() => {
      if (this.pending.get(spec.name) === settled) this.pending.delete(spec.name);
    });
    return next;
  }

  private async readRaw(spec: DocumentSpec<unknown>): Promise<string | undefined | typeof FOLDER> {
    try {
      return await readFile(this.pathOf(spec), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') return FOLDER;
      throw new WorkbenchError('UNAVAILABLE', `Cannot read ${this.pathOf(spec)}: ${(err as Error).message}`, { cause: err });
    }
  }

  private async readNow<T>(spec: DocumentSpec<T>): Promise<T> {
    const raw = await this.readRaw(spec);
    if (raw === undefined) return spec.defaults();
    if (raw === FOLDER) return this.setAside(spec, 'it is a folder, not a file');
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch (err) {
      return this.setAside(spec, `it is not valid JSON (${(err as Error).message})`);
    }
    if (typeof doc !== 'object' || doc === null || !Number.isInteger((doc as { version?: unknown }).version)) {
      return this.setAside(spec, 'it has no version number');
    }
    const { version, data } = doc as { version: number; data: unknown };
    if (version > spec.version) throw this.newerError(spec, version);
    let upgraded = data;
    for (let v = version; v < spec.version; v++) {
      const migrate = spec.migrations?.[v];
      if (!migrate) return this.setAside(spec, `no upgrade is known from version ${v}`);
      upgraded = migrate(upgraded);
    }
    const parsed = spec.schema.safeParse(upgraded);
    if (!parsed.success) return this.setAside(spec, describeZodError(parsed.error));
    return parsed.data;
  }

  private async refuseNewer(spec: DocumentSpec<unknown>): Promise<void> {
    const raw = await this.readRaw(spec);
    if (raw === undefined) return;
    if (raw === FOLDER) {
      await this.readNow(spec);
      return;
    }
    try {
      const version = (JSON.parse(raw) as { version?: unknown }).version;
      if (typeof version === 'number' && version > spec.version) throw this.newerError(spec, version);
    } catch (err) {
      if (err instanceof WorkbenchError) throw err;
      // Corrupt: reading it sets it aside (with its notice) before anything overwrites it.
      await this.readNow(spec);
    }
  }

  private newerError(spec: DocumentSpec<unknown>, version: number): WorkbenchError {
    return new WorkbenchError(
      'NEWER_DATA',
      `${this.pathOf(spec)} was written by a newer version of the workbench (document version ${version}, this one knows ${spec.version}). It was left unchanged; update the workbench to use it.`,
    );
  }

  private async setAside<T>(spec: DocumentSpec<T>, reason: string): Promise<T> {
    const file = this.pathOf(spec);
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const keptAs = join(this.dir, `${spec.name}.corrupt-${stamp}.json`);
    await rename(file, keptAs);
    await this.notices.add({
      level: 'warning',
      message: `${file} could not be used: ${reason}. It was kept as ${keptAs}. The workbench goes on without ${spec.holds}; to get it back, repair that copy and move it to ${file} while the workbench is closed.`,
      ...(spec.recover ? { action: spec.recover } : {}),
    });
    return spec.defaults();
  }
}
