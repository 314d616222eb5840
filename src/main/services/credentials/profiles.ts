import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadSharedConfigFiles } from '@smithy/core/config';
import type { AwsProfile } from '../../../shared/ec2-model.ts';

/** The shared config and credentials files, where the AWS CLI and SDKs look for them. */
export function sharedFilePaths(env: NodeJS.ProcessEnv): { config: string; credentials: string } {
  return {
    config: env['AWS_CONFIG_FILE'] ?? join(homedir(), '.aws', 'config'),
    credentials: env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(homedir(), '.aws', 'credentials'),
  };
}

// Sections of the config file that are not profiles.
const NOT_PROFILES = /^(sso-session|services)\./;

/**
 * Profiles of the shared files (read afresh each time: the user may run `aws configure` or
 * `aws sso login` while the app is open), and the environment's credentials if set.
 */
export async function listSharedProfiles(env: NodeJS.ProcessEnv): Promise<AwsProfile[]> {
  const paths = sharedFilePaths(env);
  const files = await loadSharedConfigFiles({ filepath: paths.credentials, configFilepath: paths.config, ignoreCache: true });
  const names = new Set([...Object.keys(files.configFile), ...Object.keys(files.credentialsFile)].filter((n) => !NOT_PROFILES.test(n)));
  const profiles: AwsProfile[] = [...names].sort().map((name) => {
    const region = files.configFile[name]?.['region'] ?? files.credentialsFile[name]?.['region'];
    return { ref: `profile:${name}`, name, source: 'shared-files', ...(region ? { region } : {}) };
  });
  if (env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']) {
    const region = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
    profiles.unshift({ ref: 'env', name: 'Environment variables', source: 'environment', ...(region ? { region } : {}) });
  }
  return profiles;
}
