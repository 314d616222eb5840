import { writeFile } from 'node:fs/promises';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../../../../../../src/shared/errors.ts';
import { startMoto, type Moto } from '../../../../../fixtures/moto.ts';
import { useTempDir } from '../../../../../fixtures/temp-dir.ts';
import { awsEnv, harness, TEST_CIDR } from './harness.ts';

/**
 * moto with IAM authorisation on (after the first 3 requests, which set up a user): requests
 * are checked against the user's policy, as AWS would.
 */
describe('AWS authorisation (moto with INITIAL_NO_AUTH_ACTION_COUNT)', () => {
  let moto: Moto;
  let analyst: { accessKeyId: string; secretAccessKey: string };

  beforeAll(async () => {
    moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: '3' } });
    const iam = new IAMClient(moto.clientConfig());
    await iam.send(new CreateUserCommand({ UserName: 'analyst' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'analyst',
        PolicyName: 'look-only',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:GetCallerIdentity', 'ec2:Describe*'], Resource: '*' }] }),
      }),
    );
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'analyst' }));
    iam.destroy();
    analyst = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('an action the policy does not allow is refused with a message naming it', async () => {
    const dir = await useTempDir('aws-denied');
    const h = harness(dir, moto, await awsEnv(dir, moto, analyst));
    try {
      const identity = await h.aws.credentials.identity();
      expect(identity.arn).toMatch(/:user\/analyst$/);
      const err = await h.ec2.workers.launch({ name: 'denied', region: 'us-east-1', instanceType: 't3.medium', allowedCidr: TEST_CIDR, imageId: 'ami-785db401' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkbenchError);
      expect((err as WorkbenchError).code).toBe('PERMISSION_DENIED');
      expect((err as WorkbenchError).message).toMatch(/^AWS denied the request to launch the worker with profile default \((AccessDenied|UnauthorizedOperation)\): .*ec2:CreateSecurityGroup\. Ask your AWS administrator/);
      // Nothing was made, so nothing is remembered: the name is free again.
      expect((await h.ec2.workers.records()).length).toBe(0);
    } finally {
      h.close();
    }
  });

  it('credentials fixed in the credentials file are used at the next call, without a restart', async () => {
    const dir = await useTempDir('aws-refresh');
    const env = await awsEnv(dir, moto, { accessKeyId: 'AKIAWRONGWRONGWRONG1', secretAccessKey: 'not-the-secret' });
    const h = harness(dir, moto, env);
    try {
      const err = await h.aws.credentials.identity().catch((e: unknown) => e);
      expect((err as WorkbenchError).code).toBe('AUTH_FAILED');
      expect((err as WorkbenchError).message).toMatch(/AWS did not accept the credentials with profile default \(InvalidClientTokenId\)/);
      await writeFile(env['AWS_SHARED_CREDENTIALS_FILE'] ?? '', `[default]\naws_access_key_id = ${analyst.accessKeyId}\naws_secret_access_key = ${analyst.secretAccessKey}\n`);
      const identity = await h.aws.credentials.identity();
      expect(identity).toMatchObject({ ref: 'profile:default', account: '123456789012', region: 'us-east-1' });
    } finally {
      h.close();
    }
  });
});
