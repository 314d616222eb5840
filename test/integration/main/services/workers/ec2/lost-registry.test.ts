import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DocumentStore } from '../../../../../../src/main/services/store/document-store.ts';
import { useMoto } from '../../../../../fixtures/server-hooks.ts';
import { useTempDir } from '../../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, TEST_CIDR } from './harness.ts';

describe('a damaged list of EC2 workers', () => {
  const moto = useMoto();

  it('is set aside with a notice naming it, and "Find my EC2 workers again" brings the worker back from its tags', async () => {
    const dataDir = await useTempDir('ec2-lost-registry');
    const env = await awsEnv(dataDir, moto);
    // Launched in a region the settings do not list (the harness reconciles us-east-1 only):
    // the lost list was the only thing that said where to look.
    const first = harness(dataDir, moto, env);
    const launched = await first.ec2.workers.launch({ name: 'far-away', region: 'eu-west-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR });
    first.close();
    await writeFile(join(dataDir, 'ec2-workers.json'), '[{"id": "ec2-');

    const next = harness(dataDir, moto, env);
    try {
      expect((await next.ec2.handlers['ec2:list'](undefined)).workers).toEqual([]);
      const notices = await new DocumentStore(dataDir).notices.list();
      expect(notices).toHaveLength(1);
      const [copy] = (await readdir(dataDir)).filter((f) => f.startsWith('ec2-workers.corrupt-'));
      expect(notices[0]!.message).toContain(`${join(dataDir, 'ec2-workers.json')} could not be used`);
      expect(notices[0]!.message).toContain(`It was kept as ${join(dataDir, copy!)}`);
      expect(notices[0]!.message).toMatch(/still run in AWS and still terminate at their deadlines/);
      expect(notices[0]!.action).toEqual({ label: 'Find my EC2 workers again', call: 'ec2:find-workers' });

      const found = await next.ec2.handlers['ec2:find-workers'](undefined);
      expect(found.workers).toEqual([
        expect.objectContaining({ id: launched.id, name: 'far-away', region: 'eu-west-1', instanceId: launched.instanceId, deadline: launched.deadline, state: 'running', adopted: true }),
      ]);
      // Remembered again: the next list (and start) shows it without looking everywhere.
      expect((await next.ec2.handlers['ec2:list'](undefined)).workers.map((w) => w.id)).toEqual([launched.id]);
    } finally {
      next.close();
    }
  });
});
