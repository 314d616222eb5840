/// <reference lib="dom" />
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterCommand, EMRClient, ListClustersCommand } from '@aws-sdk/client-emr';
import { describe, expect, it } from 'vitest';
import { eventually } from '../fixtures/eventually.ts';
import { useMoto, useSshd } from '../fixtures/server-hooks.ts';
import { screenshot, useWorkbenchInChromium } from './browser-workbench.ts';
import { startMotoWorkbench } from './moto-workbench.ts';

/**
 * A Spark cluster's master node from the browser workbench: the cluster row's Open, the worker
 * page and the first connection's host key question, and the Jobs view's Engine for a cluster.
 * The master's public DNS name (moto's, never dialled) is mapped by the app's ssh_config to a
 * loopback sshd. That sshd has no user hadoop, the login EMR makes: its host key is shown and
 * trusted as on a real master, then the login as hadoop is refused, which says who it was.
 */

const moto = useMoto();
const sshd = useSshd();
let dataDir: string;
const { workbench, page, problems } = useWorkbenchInChromium({
  start: async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'workbench-e2e-cluster-master-'));
    const running = await startMotoWorkbench(moto, dataDir);
    return { ...running, stop: async () => (await running.stop(), await rm(dataDir, { recursive: true, force: true })) };
  },
  page: { viewport: { width: 1400, height: 1100 } },
});

describe("a Spark cluster's master node in the browser workbench (moto, loopback sshd)", () => {
  it('opens from the cluster row as a worker whose host key is confirmed on first connection, and runs Spark only', async () => {
    await page.goto(`${workbench.origin}/#/workers`);
    const section = page.getByRole('region', { name: 'Spark clusters' });
    await section.getByRole('button', { name: 'Launch…' }).click();
    const form = page.getByRole('form', { name: 'Launch a Spark cluster' });
    await form.getByLabel('Name').fill('ui-master');
    await form.getByLabel('Core nodes', { exact: true }).fill('1');
    await form.getByLabel(/Lifetime/).fill('2');
    await form.getByLabel('Allowed SSH source').fill('203.0.113.7/32');
    await form.getByRole('button', { name: 'Launch' }).click();
    await form.waitFor({ state: 'detached' });

    const emr = new EMRClient(moto.clientConfig());
    await eventually(async () => ((await emr.send(new ListClustersCommand({}))).Clusters ?? []).length).toBe(1);
    const [made] = (await emr.send(new ListClustersCommand({}))).Clusters ?? [];
    const masterName = (await emr.send(new DescribeClusterCommand({ ClusterId: made?.Id }))).Cluster?.MasterPublicDnsName ?? '';
    emr.destroy();
    expect(masterName).not.toBe('');
    await writeFile(join(dataDir, 'ssh_config'), `Host ${masterName}\n  HostName 127.0.0.1\n  Port ${sshd.port}\n`);

    // Until AWS is asked again the row has no master; asked, it offers Open.
    const row = section.locator('li.ec2-row', { hasText: 'ui-master' });
    const open = row.getByRole('button', { name: 'Open' });
    await eventually(async () => {
      if (!(await open.isVisible())) await section.getByRole('button', { name: 'Refresh Spark clusters' }).click();
      return open.isVisible();
    }).toBe(true);
    const id = await row.getAttribute('data-cluster');
    await screenshot(page, 'cluster-master-row');
    await open.click();
    await eventually(() => page.url()).toBe(`${workbench.origin}/#/workers/${id}`);

    const detail = page.getByRole('article', { name: 'Worker ui-master' });
    await eventually(() => detail.textContent()).toContain(`hadoop@${masterName}`);
    expect(await detail.textContent()).toContain(`Master node of the Spark cluster ${made?.Id} (1 + 1 × m6i.xlarge in us-east-1`);
    expect(await detail.getByTestId('cluster-host-key-note').textContent()).toBe(
      'Its host key cannot be pinned before the first connection: EMR takes no host key at launch. The first connection shows the key for you to confirm; from then on the app accepts only that key.',
    );
    expect(await page.getByRole('list', { name: 'Workers' }).locator(`[data-worker-id="${id}"]`).textContent()).toContain(`Spark cluster ${made?.Id}`);

    await detail.getByRole('button', { name: 'Connect' }).click();
    const dialog = page.getByRole('dialog', { name: 'Trust the host key of ui-master?' });
    await eventually(() => dialog.isVisible()).toBe(true);
    expect(await dialog.getByTestId('host-key-fingerprint').textContent()).toBe(sshd.hostKeyFingerprint);
    expect(await dialog.getByTestId('host-key-note').textContent()).toContain('EMR takes no host key at launch');
    await screenshot(page, 'cluster-master-host-key');
    await dialog.getByRole('button', { name: 'Trust and connect' }).click();
    // The key is kept; the stand-in master has no user hadoop, so the login itself is refused.
    await eventually(() => dialog.textContent()).toMatch(/refused the login as hadoop/);
    expect(await readFile(join(dataDir, 'known_hosts'), 'utf8')).toContain(sshd.hostPublicKey);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`${workbench.origin}/#/jobs`);
    const worker = page.getByLabel('Worker', { exact: true });
    await eventually(() => worker.locator('optgroup[label="Spark clusters"] option').allTextContents()).toEqual(['ui-master']);
    await worker.selectOption({ label: 'ui-master' });
    const engine = page.getByLabel('Engine', { exact: true });
    await eventually(() => engine.inputValue()).toBe('spark');
    expect(await engine.isDisabled()).toBe(true);
    expect(await page.getByTestId('worker-details').textContent()).toMatch(/^Spark cluster · /);
    // Its map tasks run on the core nodes: the data is asked for as an S3 location.
    expect(await page.getByLabel('S3 location for ui-master').getAttribute('placeholder')).toBe('s3://bucket/prefix');
    await screenshot(page, 'cluster-master-jobs');
    expect(problems).toEqual([]);
  }, 180_000);
});
