import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DocumentStore, listDocument, type DocumentSpec } from '../../../../../src/main/services/store/document-store.ts';
import { WorkbenchError } from '../../../../../src/shared/errors.ts';

const Counter = z.object({ count: z.number().int(), label: z.string() });
const spec: DocumentSpec<z.infer<typeof Counter>> = {
  name: 'counter',
  version: 2,
  schema: Counter,
  defaults: () => ({ count: 0, label: 'none' }),
  holds: 'the counter',
  migrations: { 1: (old) => ({ count: (old as { n: number }).n, label: 'migrated' }) },
};

let dir: string;
let store: DocumentStore;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'workbench-store-'));
  store = new DocumentStore(dir, () => new Date('2026-11-29T10:00:00.000Z'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function expectError(promise: Promise<unknown>, code: string): Promise<WorkbenchError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkbenchError);
  expect((err as WorkbenchError).code).toBe(code);
  return err as WorkbenchError;
}

describe('DocumentStore', () => {
  it('gives defaults for a missing document and writes a versioned file', async () => {
    expect(await store.read(spec)).toEqual({ count: 0, label: 'none' });
    await store.write(spec, { count: 3, label: 'x' });
    expect(JSON.parse(await readFile(join(dir, 'counter.json'), 'utf8'))).toEqual({ version: 2, data: { count: 3, label: 'x' } });
    expect(await store.read(spec)).toEqual({ count: 3, label: 'x' });
    // Nothing but the document itself is left in the folder (no temp files).
    expect(await readdir(dir)).toEqual(['counter.json']);
  });

  it('upgrades older versions through the migrations', async () => {
    await writeFile(join(dir, 'counter.json'), JSON.stringify({ version: 1, data: { n: 7 } }));
    expect(await store.read(spec)).toEqual({ count: 7, label: 'migrated' });
  });

  it('keeps a corrupt file aside, byte for byte, goes on from defaults and keeps a notice saying where and what is missing', async () => {
    const garbage = '{"version": 2, "data": {"count": 1, "lab';
    await writeFile(join(dir, 'counter.json'), garbage);
    expect(await store.read(spec)).toEqual({ count: 0, label: 'none' });
    const keptAs = join(dir, 'counter.corrupt-2026-11-29T10-00-00-000Z.json');
    expect(await readFile(keptAs, 'utf8')).toBe(garbage);
    const [notice, ...others] = await store.notices.list();
    expect(others).toEqual([]);
    expect(notice).toMatchObject({ level: 'warning', id: expect.any(String) });
    expect(notice!.message).toContain(`${join(dir, 'counter.json')} could not be used: it is not valid JSON`);
    expect(notice!.message).toContain(`It was kept as ${keptAs}`);
    expect(notice!.message).toContain('goes on without the counter');
    // Another store on the same folder (the next start) still has it, until it is dismissed.
    const next = new DocumentStore(dir);
    expect(await next.notices.list()).toEqual([notice]);
    await next.notices.dismiss(notice!.id!);
    expect(await new DocumentStore(dir).notices.list()).toEqual([]);
  });

  it('treats a file that fails the schema as corrupt too', async () => {
    await writeFile(join(dir, 'counter.json'), JSON.stringify({ version: 2, data: { count: 'many' } }));
    expect(await store.read(spec)).toEqual({ count: 0, label: 'none' });
    expect((await store.notices.list())[0]?.message).toMatch(/could not be used: .*count/);
  });

  it('sets aside a folder where the document belongs, with what was in it', async () => {
    await mkdir(join(dir, 'counter.json'));
    await writeFile(join(dir, 'counter.json', 'inside.txt'), 'kept');
    await store.write(spec, { count: 2, label: 'z' });
    const keptAs = join(dir, 'counter.corrupt-2026-11-29T10-00-00-000Z.json');
    expect(await readFile(join(keptAs, 'inside.txt'), 'utf8')).toBe('kept');
    expect(await store.read(spec)).toEqual({ count: 2, label: 'z' });
    expect((await store.notices.list())[0]?.message).toContain(`could not be used: it is a folder, not a file. It was kept as ${keptAs}`);
  });

  it('offers the recovery call of a document beside its notice', async () => {
    const recoverable = { ...spec, recover: { label: 'Find my EC2 workers again', call: 'ec2:find-workers' as const } };
    await writeFile(join(dir, 'counter.json'), '[');
    await store.read(recoverable);
    expect((await store.notices.list())[0]?.action).toEqual({ label: 'Find my EC2 workers again', call: 'ec2:find-workers' });
  });

  it('never overwrites a corrupt file silently on write: it is kept aside with a notice first', async () => {
    await writeFile(join(dir, 'counter.json'), 'not json at all');
    await store.write(spec, { count: 1, label: 'y' });
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['counter.corrupt-2026-11-29T10-00-00-000Z.json', 'counter.json', 'notices.json']);
    expect(await readFile(join(dir, files[0]!), 'utf8')).toBe('not json at all');
    expect(await store.read(spec)).toEqual({ count: 1, label: 'y' });
    expect(await store.notices.list()).toHaveLength(1);
  });

  it('sets a damaged notices file aside too and says so', async () => {
    await writeFile(join(dir, 'notices.json'), '{"version":1,"data":[');
    const [notice] = await store.notices.list();
    expect(notice?.message).toContain(`It was kept as ${join(dir, 'notices.corrupt-2026-11-29T10-00-00-000Z.json')}`);
    expect(await readFile(join(dir, 'notices.corrupt-2026-11-29T10-00-00-000Z.json'), 'utf8')).toBe('{"version":1,"data":[');
    await store.notices.dismiss(notice!.id!);
    expect(await store.notices.list()).toEqual([]);
  });

  it('sets aside a folder where the notices file belongs, and still keeps the notice of a damaged document', async () => {
    await mkdir(join(dir, 'notices.json'));
    await writeFile(join(dir, 'counter.json'), '{');
    expect(await store.read(spec)).toEqual({ count: 0, label: 'none' });
    const messages = (await store.notices.list()).map((n) => n.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain(`It was kept as ${join(dir, 'notices.corrupt-2026-11-29T10-00-00-000Z.json')}`);
    expect(messages[1]).toContain(`${join(dir, 'counter.json')} could not be used`);
  });

  it('leaves a document from a newer version untouched and refuses to write over it', async () => {
    const newer = JSON.stringify({ version: 9, data: { future: true } });
    await writeFile(join(dir, 'counter.json'), newer);
    await expectError(store.read(spec), 'NEWER_DATA');
    await expectError(store.write(spec, { count: 1, label: 'y' }), 'NEWER_DATA');
    await expectError(store.update(spec, (c) => c), 'NEWER_DATA');
    expect(await readFile(join(dir, 'counter.json'), 'utf8')).toBe(newer);
  });

  it('serialises concurrent updates so none is lost', async () => {
    await Promise.all(Array.from({ length: 50 }, () => store.update(spec, (c) => ({ ...c, count: c.count + 1 }))));
    expect((await store.read(spec)).count).toBe(50);
    expect(await readdir(dir)).toEqual(['counter.json']);
  });

  it('refuses to write a value that breaks the schema, leaving the file as it was', async () => {
    await store.write(spec, { count: 1, label: 'ok' });
    await expect(store.write(spec, { count: 1.5, label: 'bad' })).rejects.toThrow();
    expect(await store.read(spec)).toEqual({ count: 1, label: 'ok' });
  });
});

describe('listDocument', () => {
  it('is an empty list until written, a version 1 file after, and names what it holds', async () => {
    const names = listDocument('names', z.string(), 'the names', { recover: { label: 'Find them again', call: 'ec2:find-workers' } });
    expect(await store.read(names)).toEqual([]);
    await store.write(names, ['ana', 'bo']);
    expect(JSON.parse(await readFile(join(dir, 'names.json'), 'utf8'))).toEqual({ version: 1, data: ['ana', 'bo'] });
    expect(names).toMatchObject({ holds: 'the names', recover: { label: 'Find them again', call: 'ec2:find-workers' } });
  });
});
