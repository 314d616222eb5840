import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createWorkbench, DOCUMENTS, type Workbench } from '../../../src/main/workbench.ts';
import type { AppInfo } from '../../../src/shared/model.ts';
import { useTempDir } from '../../fixtures/temp-dir.ts';
import { callerOf } from '../../fixtures/workbench-call.ts';

const RESOURCES = resolve('resources');
/** What a crash or a full disk leaves: a document cut off in the middle. */
const TRUNCATED = '{\n  "version": 1,\n  "data": [\n    {\n      "id": "2026';

async function start(dataDir: string): Promise<{ workbench: Workbench; info: AppInfo }> {
  const workbench = await createWorkbench({ dataDir, host: 'web', resourcesDir: RESOURCES });
  const info = await callerOf(() => workbench)('app:info');
  return { workbench, info };
}

describe('a damaged document in the data dir', () => {
  it('lists every document the workbench keeps', () => {
    expect(DOCUMENTS.map((d) => d.name).sort()).toEqual(['aws', 'clusters', 'ec2-workers', 'runs', 'schedule-alerts', 'schedules', 'schedules-local', 'settings', 'transfers', 'workers']);
  });

  it.each(DOCUMENTS.map((spec) => [spec.name, spec] as const))('%s.json: kept aside, the app starts, and a notice says where until it is dismissed', async (name, spec) => {
    const dataDir = await useTempDir(`damaged-${name}`);
    await writeFile(join(dataDir, `${name}.json`), TRUNCATED);

    const first = await start(dataDir);
    try {
      const copies = (await readdir(dataDir)).filter((f) => f.startsWith(`${name}.corrupt-`));
      expect(copies).toHaveLength(1);
      const keptAs = join(dataDir, copies[0]!);
      expect(await readFile(keptAs, 'utf8')).toBe(TRUNCATED);
      const notices = first.info.notices.filter((n) => n.message.includes(`${name}.json`));
      expect(notices).toHaveLength(1);
      expect(notices[0]!.message).toContain(`${join(dataDir, `${name}.json`)} could not be used: it is not valid JSON`);
      expect(notices[0]!.message).toContain(`It was kept as ${keptAs}`);
      expect(notices[0]!.message).toContain(`goes on without ${spec.holds}`);
      if (name === 'runs') expect(await callerOf(() => first.workbench)('jobs:list')).toEqual([]);
    } finally {
      await first.workbench.close();
    }

    // Closed before the user looked: the next start still says it.
    const second = await start(dataDir);
    const kept = second.info.notices.find((n) => n.message.includes(`${name}.json`));
    try {
      expect(kept?.id).toEqual(expect.any(String));
      await callerOf(() => second.workbench)('app:dismiss-notice', { id: kept!.id! });
    } finally {
      await second.workbench.close();
    }

    const third = await start(dataDir);
    await third.workbench.close();
    expect(third.info.notices).toEqual([]);
  });

  it.each(DOCUMENTS.map((spec) => [spec.name] as const))('%s.json from a newer version: left unchanged, the app starts, and says so', async (name) => {
    const dataDir = await useTempDir(`newer-${name}`);
    const newer = JSON.stringify({ version: 99, data: { from: 'the future' } });
    await writeFile(join(dataDir, `${name}.json`), newer);
    const { workbench, info } = await start(dataDir);
    await workbench.close();
    expect(info.notices.map((n) => n.message)).toContain(`${join(dataDir, `${name}.json`)} was written by a newer version of the workbench (document version 99, this one knows 1). It was left unchanged; update the workbench to use it.`);
    expect(await readFile(join(dataDir, `${name}.json`), 'utf8')).toBe(newer);
  });
});
