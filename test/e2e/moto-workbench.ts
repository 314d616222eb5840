import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Page } from 'playwright-core';
import type { Moto } from '../fixtures/moto.ts';
import { startBrowserWorkbench, type RunningWorkbench } from './browser-workbench.ts';

/**
 * The browser workbench on `dataDir` with AWS at moto: shared config and credentials files in the
 * data dir (the default profile in us-east-1 with moto's test keys, unless `awsConfig` says more),
 * no AWS keys from the tester's environment, and an empty user ssh_config, never ~/.ssh/config.
 */
export async function startMotoWorkbench(moto: Moto, dataDir: string, options: { awsConfig?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningWorkbench> {
  await writeFile(join(dataDir, 'aws-config'), options.awsConfig ?? '[default]\nregion = us-east-1\n');
  await writeFile(join(dataDir, 'aws-credentials'), '[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
  await writeFile(join(dataDir, 'user-ssh-config'), '');
  return startBrowserWorkbench({
    dataDir,
    env: {
      AWS_CONFIG_FILE: join(dataDir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'aws-credentials'),
      AWS_ENDPOINT_URL: moto.endpoint,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      WORKBENCH_USER_SSH_CONFIG: join(dataDir, 'user-ssh-config'),
      ...options.env,
    },
  });
}

/** The id and (moto's public-looking, never dialled) address of the instance tagged `name`. */
export async function instanceNamed(moto: Moto, name: string): Promise<{ id: string; address: string }> {
  const ec2 = new EC2Client(moto.clientConfig());
  try {
    const answer = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: [name] }] }));
    const instance = answer.Reservations?.[0]?.Instances?.[0];
    return { id: instance?.InstanceId ?? '', address: instance?.PublicIpAddress ?? '' };
  } finally {
    ec2.destroy();
  }
}

/**
 * Launches a t3.medium for half an hour from the Workers view's form, logging in as the tester
 * (the only user of the sshd that plays the instance). The page must show the Workers view.
 */
export async function launchHalfHourWorker(page: Page, name: string): Promise<void> {
  await page.getByRole('region', { name: 'EC2 workers' }).getByRole('button', { name: 'Launch…' }).click();
  const form = page.getByRole('form', { name: 'Launch an EC2 worker' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Instance type').selectOption('t3.medium');
  await form.getByLabel(/Lifetime/).fill('0.5');
  // A security-group rule for moto only; nothing connects to it.
  await form.getByLabel('Allowed SSH source').fill('203.0.113.7/32');
  await form.getByLabel(/Login user/).fill(userInfo().username);
  await form.getByRole('button', { name: 'Launch' }).click();
  await form.waitFor({ state: 'detached' });
}
