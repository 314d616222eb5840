import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EMRServerlessClient } from '@aws-sdk/client-emr-serverless';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig, type AwsClientConfig } from '../credentials/aws-clients.ts';
import type { CredentialsService } from '../credentials/credentials-service.ts';
import type { ScheduleAwsClients } from '../schedules/aws-backend.ts';

/**
 * Client config for the active AWS profile (Settings → AWS), in its region (else the first of
 * Settings' regions). Built fresh per use: a refreshed SSO login or rotated key is picked up.
 */
export async function activeAwsConfig(credentials: CredentialsService, fallbackRegion: () => Promise<string | undefined>, env: NodeJS.ProcessEnv = process.env): Promise<AwsClientConfig> {
  const profile = await credentials.describe();
  const region = profile.region ?? env['AWS_REGION'] ?? (await fallbackRegion()) ?? 'us-east-1';
  return awsClientConfig(region, await credentials.provider(profile.ref), env);
}

export async function activeS3(credentials: CredentialsService, fallbackRegion: () => Promise<string | undefined>, env: NodeJS.ProcessEnv = process.env): Promise<S3Client> {
  return new S3Client(await activeAwsConfig(credentials, fallbackRegion, env));
}

/** The clients the AWS schedule backend uses, for the active profile. */
export async function activeScheduleClients(credentials: CredentialsService, fallbackRegion: () => Promise<string | undefined>, env: NodeJS.ProcessEnv = process.env): Promise<ScheduleAwsClients> {
  const config = await activeAwsConfig(credentials, fallbackRegion, env);
  return { region: config.region, s3: new S3Client(config), scheduler: new SchedulerClient(config), iam: new IAMClient(config), ec2: new EC2Client(config), sns: new SNSClient(config), cloudwatch: new CloudWatchClient(config), emrServerless: new EMRServerlessClient(config) };
}
