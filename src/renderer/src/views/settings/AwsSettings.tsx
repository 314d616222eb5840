import { useEffect, useState, type FormEvent } from 'react';
import type { AwsIdentity, AwsProfiles } from '../../../../shared/ec2-model.ts';
import { REGIONS } from '../../../../shared/ec2-model.ts';
import { useClient } from '../../api/context.tsx';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';
import { useSteps } from '../../lib/useAction.ts';

const SOURCES = { 'shared-files': 'AWS config files', environment: 'environment', app: 'entered here' } as const;

/**
 * Settings → AWS: pick the profile EC2 workers use, check it (STS: account and region), enter
 * keys (only where the OS can encrypt them). Only names, account ids and regions reach here.
 */
export function AwsSettings() {
  const client = useClient();
  const [profiles, setProfiles] = useState<AwsProfiles>();
  const [identity, setIdentity] = useState<AwsIdentity>();
  // Every button here runs one call at a time and shows its failure in the one error line.
  const { run, pending: busy, error, setError } = useSteps();

  useEffect(() => {
    client.call('aws:profiles').then(setProfiles, (err: unknown) => setError(errorMessage(err)));
  }, [client, setError]);

  const check = (ref?: string) =>
    run(async () => {
      setIdentity(undefined);
      setIdentity(await client.call('aws:check', ref ? { ref } : {}));
    });

  const storeKeys = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const region = String(data.get('region') ?? '');
    void run(async () => {
      setProfiles(
        await client.call('aws:store-keys', {
          name: String(data.get('name') ?? '').trim(),
          accessKeyId: String(data.get('accessKeyId') ?? '').trim(),
          secretAccessKey: String(data.get('secretAccessKey') ?? ''),
          ...(region ? { region } : {}),
        }),
      );
      form.reset(); // the secret leaves the page as soon as it is stored
    });
  };

  return (
    <section className="aws-settings" aria-label="AWS">
      <h2>AWS</h2>
      {profiles && profiles.profiles.length === 0 && <p className="muted">No AWS credentials found. Run <code>aws configure</code> (or <code>aws sso login</code>), set AWS_ACCESS_KEY_ID, or enter keys below.</p>}
      {profiles && profiles.profiles.length > 0 && (
        <label>
          Profile for EC2 workers
          <select
            value={profiles.active ?? ''}
            disabled={busy}
            onChange={(e) => {
              const ref = e.target.value;
              void run(async () => {
                setProfiles(await client.call('aws:select-profile', { ref }));
                setIdentity(undefined);
              });
            }}
          >
            {profiles.profiles.map((p) => (
              <option key={p.ref} value={p.ref}>
                {p.name} ({SOURCES[p.source]}{p.region ? `, ${p.region}` : ''})
              </option>
            ))}
          </select>
        </label>
      )}
      <div className="row">
        <button type="button" disabled={busy || !profiles?.active} onClick={() => void check(profiles?.active)}>
          Check identity
        </button>
        {profiles?.active?.startsWith('stored:') && (
          <button type="button" disabled={busy} onClick={() => void run(async () => setProfiles(await client.call('aws:remove-keys', { name: profiles.active?.slice('stored:'.length) ?? '' })))}>
            Delete these keys
          </button>
        )}
        {identity && (
          <span role="status">
            Account {identity.account}, region {identity.region}
          </span>
        )}
      </div>
      <details>
        <summary>Enter an access key</summary>
        {profiles && !profiles.canStoreKeys ? (
          <p className="muted small">{profiles.storeKeysMessage}</p>
        ) : (
          <form onSubmit={storeKeys} autoComplete="off">
            <label>
              Name
              <input name="name" required pattern="[A-Za-z0-9_.\-]{1,64}" spellCheck={false} />
            </label>
            <label>
              Access key id
              <input name="accessKeyId" required spellCheck={false} />
            </label>
            <label>
              Secret access key
              <input name="secretAccessKey" type="password" required />
            </label>
            <label>
              Region
              <select name="region" defaultValue="">
                <option value="">(none)</option>
                {REGIONS.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
            <button type="submit" disabled={busy}>
              Store encrypted
            </button>
          </form>
        )}
      </details>
      <ErrorText error={error} />
    </section>
  );
}
