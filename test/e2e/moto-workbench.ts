import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
