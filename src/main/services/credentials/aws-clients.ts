import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { assertLoopbackEndpoint } from '../net/loopback.ts';

/** The endpoint override every AWS client gets: the standard AWS_ENDPOINT_URL (moto in tests). */
export function awsEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = env['AWS_ENDPOINT_URL']?.trim();
  return url ? url : undefined;
}

export interface AwsClientConfig {
  region: string;
  credentials: AwsCredentialIdentityProvider;
  endpoint?: string;
  forcePathStyle?: boolean;
  maxAttempts: number;
}

/**
 * The config for any `new XxxClient(...)`. Goes through the loopback guard first, so with
 * WORKBENCH_LOOPBACK_ONLY=1 no client is ever built that could reach the real AWS.
 */
export function awsClientConfig(region: string, credentials: AwsCredentialIdentityProvider, env: NodeJS.ProcessEnv = process.env): AwsClientConfig {
  const endpoint = awsEndpoint(env);
  assertLoopbackEndpoint(endpoint, { env });
  return { region, credentials, maxAttempts: 3, ...(endpoint ? { endpoint, forcePathStyle: true } : {}) };
}
