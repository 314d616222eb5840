import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromIni } from '@aws-sdk/credential-provider-ini';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { z } from 'zod';
import { WorkbenchError } from '../../../shared/errors.ts';
import { ProfileRef, type AwsIdentity, type AwsProfile, type AwsProfiles, type StoreKeysRequest } from '../../../shared/ec2-model.ts';
import type { DocumentSpec, DocumentStore } from '../store/document-store.ts';
import { awsClientConfig, awsEndpoint } from './aws-clients.ts';
import { awsError } from './aws-errors.ts';
import { hidingProcessOutput } from './credential-process.ts';
import { listSharedProfiles, sharedFilePaths } from './profiles.ts';
import type { SecretStore } from './secret-store.ts';

const AwsState = z.object({
  active: ProfileRef.optional(),
  /** Names and regions of keys entered in the app; the keys are in the SecretStore. */
  stored: z.array(z.object({ name: z.string(), region: z.string().optional() })),
});
type AwsState = z.infer<typeof AwsState>;

export const AWS_DOCUMENT: DocumentSpec<AwsState> = {
  name: 'aws',
  version: 1,
  schema: AwsState,
  defaults: () => ({ stored: [] }),
  holds: 'which AWS profile is in use and the names of keys you entered (choose the profile again under Settings)',
};

const StoredKeys = z.object({ accessKeyId: z.string(), secretAccessKey: z.string(), sessionToken: z.string().optional() });

/** The caller behind a profile: account for the UI, ARN for the owner tag (main only). */
export interface CallerIdentity extends AwsIdentity {
  arn: string;
}

const DEFAULT_REGION = 'us-east-1';

/**
 * AWS credentials from the shared files (static keys, SSO, credential_process, assume-role:
 * the SDK's own ini provider handles them all), the environment, or keys entered in the app
 * (only where the SecretStore encrypts). A provider is built per use and re-reads the files,
 * so refreshed or renewed credentials are used without restarting the app.
 */
export class CredentialsService {
  constructor(
    private readonly store: DocumentStore,
    /** Null where keys may not be stored (no OS encryption): the reason is said instead. */
    private readonly secrets: SecretStore | null,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private storeRefusal(): string | undefined {
    if (!this.secrets || !this.secrets.encrypted) {
      return 'Keys entered in the app are only kept by the desktop app, encrypted by the operating system keychain. Here, add a profile to the AWS credentials file (aws configure) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';
    }
    return this.secrets.unavailableReason();
  }

  async profiles(): Promise<AwsProfiles> {
    const state = await this.store.read(AWS_DOCUMENT);
    let shared: AwsProfile[];
    try {
      shared = await listSharedProfiles(this.env);
    } catch (err) {
      const paths = sharedFilePaths(this.env);
      throw new WorkbenchError('CORRUPT_DATA', `Could not read the AWS config (${paths.config}) or credentials (${paths.credentials}) file: ${(err as Error).message}`, { cause: err });
    }
    const stored: AwsProfile[] = state.stored.map((s) => ({ ref: `stored:${s.name}`, name: s.name, source: 'app', ...(s.region ? { region: s.region } : {}) }));
    const refusal = this.storeRefusal();
    const profiles = [...shared, ...stored];
    // Like the AWS CLI: AWS_PROFILE, else the environment's keys, else "default".
    const fallback = profiles.find((p) => p.ref === `profile:${this.env['AWS_PROFILE'] ?? ''}`) ?? profiles.find((p) => p.ref === 'env') ?? profiles.find((p) => p.ref === 'profile:default') ?? profiles[0];
    const active = state.active ?? fallback?.ref;
    return { profiles, ...(active ? { active } : {}), canStoreKeys: refusal === undefined, ...(refusal ? { storeKeysMessage: refusal } : {}) };
  }

  async select(ref: string): Promise<AwsProfiles> {
    await this.describe(ref);
    await this.store.update(AWS_DOCUMENT, (s) => ({ ...s, active: ref }));
    return this.profiles();
  }

  /** The active profile, or the one named; NOT_FOUND when it does not exist. */
  async describe(ref?: string): Promise<AwsProfile> {
    const all = await this.profiles();
    const wanted = ref ?? all.active;
    if (!wanted) throw new WorkbenchError('NOT_FOUND', 'No AWS credentials are set up: add a profile (aws configure), set AWS_ACCESS_KEY_ID, or enter keys in Settings → AWS.');
    const profile = all.profiles.find((p) => p.ref === wanted);
    if (!profile) throw new WorkbenchError('NOT_FOUND', `There is no AWS profile ${wanted}; pick one from Settings → AWS.`);
    return profile;
  }

  async storeKeys(request: StoreKeysRequest): Promise<AwsProfiles> {
    const refusal = this.storeRefusal();
    if (refusal || !this.secrets) throw new WorkbenchError('FORBIDDEN', `The keys were not stored. ${refusal ?? ''}`.trim());
    const keys = { accessKeyId: request.accessKeyId, secretAccessKey: request.secretAccessKey, ...(request.sessionToken ? { sessionToken: request.sessionToken } : {}) };
    await this.secrets.set(secretName(request.name), JSON.stringify(keys));
    await this.store.update(AWS_DOCUMENT, (s) => ({
      active: s.active ?? `stored:${request.name}`,
      stored: [...s.stored.filter((k) => k.name !== request.name), { name: request.name, ...(request.region ? { region: request.region } : {}) }],
    }));
    return this.profiles();
  }

  async removeKeys(name: string): Promise<AwsProfiles> {
    await this.secrets?.delete(secretName(name));
    await this.store.update(AWS_DOCUMENT, (s) => {
      const { active, ...rest } = s;
      return { ...rest, ...(active && active !== `stored:${name}` ? { active } : {}), stored: s.stored.filter((k) => k.name !== name) };
    });
    return this.profiles();
  }

  /** A fresh provider for a profile: files and secrets are read again each time it is built. */
  async provider(ref: string): Promise<AwsCredentialIdentityProvider> {
    const parsed = ProfileRef.safeParse(ref);
    if (!parsed.success) throw new WorkbenchError('BAD_INPUT', `${ref} is not a profile reference.`);
    if (ref === 'env') return fromEnv();
    if (ref.startsWith('profile:')) {
      const paths = sharedFilePaths(this.env);
      const endpoint = awsEndpoint(this.env);
      const fromFiles = fromIni({
        profile: ref.slice('profile:'.length),
        filepath: paths.credentials,
        configFilepath: paths.config,
        ignoreCache: true,
        // Assume-role and SSO profiles make their own STS/SSO clients: they must use the same
        // (guarded) endpoint as every other client.
        ...(endpoint ? { clientConfig: { endpoint } } : {}),
      });
      return hidingProcessOutput(fromFiles, ref);
    }
    const name = ref.slice('stored:'.length);
    const text = await this.secrets?.get(secretName(name));
    if (text === undefined) throw new WorkbenchError('NOT_FOUND', `The keys "${name}" are no longer stored; enter them again in Settings → AWS.`);
    const keys = parseStoredKeys(text, name);
    return () => Promise.resolve(keys);
  }

  /** The region to use for a profile when the caller names none. */
  async region(ref?: string): Promise<string> {
    return (await this.describe(ref)).region ?? this.env['AWS_REGION'] ?? DEFAULT_REGION;
  }

  /** STS GetCallerIdentity: proves the credentials work, and says whose they are. */
  async identity(ref?: string): Promise<CallerIdentity> {
    const profile = await this.describe(ref);
    const region = profile.region ?? this.env['AWS_REGION'] ?? DEFAULT_REGION;
    const sts = new STSClient(awsClientConfig(region, await this.provider(profile.ref), this.env));
    try {
      const me = await sts.send(new GetCallerIdentityCommand({}));
      if (!me.Account || !me.Arn) throw new WorkbenchError('INTERNAL', 'STS answered without an account.');
      return { ref: profile.ref, account: me.Account, arn: me.Arn, region };
    } catch (err) {
      throw awsError(err, 'check the identity', profile.ref);
    } finally {
      sts.destroy();
    }
  }
}

function secretName(name: string): string {
  // Hex keeps names that differ only in case apart on case-insensitive file systems.
  return `aws-keys-${Buffer.from(name).toString('hex')}`;
}

/** Stored keys, or a fixed message when they are unreadable: parser errors quote the text, which is the secret. */
function parseStoredKeys(text: string, name: string): z.infer<typeof StoredKeys> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const keys = StoredKeys.safeParse(json);
  if (!keys.success) throw new WorkbenchError('CORRUPT_DATA', `The stored keys "${name}" are unreadable; enter them again in Settings → AWS.`);
  return keys.data;
}
