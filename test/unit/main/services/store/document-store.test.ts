import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DocumentStore, type DocumentSpec } from '../../../../../src/main/services/store/document-store.ts';
import { WorkbenchError } from '../../../../../src/shared/errors.ts';

const Counter = z.object({ count: z.number().int(), label: z.string() });
const spec: DocumentSpec<z.infer<typeof Counter>> = {
  name: 'counter',
  version: 2,
  schema: Counter,
  defaults: () => ({ count: 0, label: 'none' }),
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

  it('keeps a corrupt file aside, byte for byte, and says where', async () => {
    const garbage = '{"version": 2, "data": {"count": 1, "lab';
    await writeFile(join(dir, 'counter.json'), garbage);
    const err = await expectError(store.read(spec), 'CORRUPT_DATA');
    const keptAs = join(dir, 'counter.corrupt-2026-11-29T10-00-00-000Z.json');
    expect(err.message).toContain(keptAs);
    expect(err.message).toMatch(/not valid JSON/);
    expect(await readFile(keptAs, 'utf8')).toBe(garbage);
    // After setting it aside the store works again from defaults.
    expect(await store.read(spec)).toEqual({ count: 0, label: 'none' });
  });

  it('treats a file that fails the schema as corrupt too', async () => {
    await writeFile(join(dir, 'counter.json'), JSON.stringify({ version: 2, data: { count: 'many' } }));
    const err = await expectError(store.read(spec), 'CORRUPT_DATA');
    expect(err.message).toMatch(/count/);
  });

  it('never overwrites a corrupt file silently on write', async () => {
    await writeFile(join(dir, 'counter.json'), 'not json at all');
    await expectError(store.write(spec, { count: 1, label: 'y' }), 'CORRUPT_DATA');
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(['counter.corrupt-2026-11-29T10-00-00-000Z.json']);
    expect(await readFile(join(dir, files[0]!), 'utf8')).toBe('not json at all');
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
