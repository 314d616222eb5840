import { useEffect, useState } from 'react';
import type { BucketCheckView } from '../../../../shared/aws-schedule-calls.ts';
import type { Visibility } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { errorMessage } from '../../lib/errors.ts';

type Exposure = BucketCheckView['data'];

function state(b: Exposure): string {
  return b.public === true ? 'readable by anyone' : b.public === false ? 'not public' : 'could not be checked';
}

/**
 * What an AWS schedule's buckets are, before it is saved: a public job's bucket should be
 * readable by anyone (with the address a published file will have), and every bucket that must
 * stay private (a private job's, any job's logs and records) must not be; the one that is, is
 * why saving would be refused.
 */
export function BucketCheck({ name, visibility }: { name: string; visibility: Visibility }) {
  const client = useClient();
  // Keyed by what was asked, so an answer for an older name is never shown for a newer one.
  const asked = `${name}|${visibility}`;
  const [answer, setAnswer] = useState<{ asked: string; check?: BucketCheckView; error?: string }>();
  const valid = /^[a-z0-9][a-z0-9-]{0,62}$/.test(name);

  useEffect(() => {
    if (!valid) return;
    client.call('schedules:bucket-check', { name, visibility }).then(
      (check) => setAnswer({ asked, check }),
      (err: unknown) => setAnswer({ asked, error: errorMessage(err) }),
    );
  }, [client, name, visibility, valid, asked]);

  if (!valid || answer?.asked !== asked) return null;
  if (answer.error) return <p className="muted small">Buckets: {answer.error}</p>;
  const check = answer.check;
  if (!check) return null;
  const output = check.data;
  return (
    <section className="bucket-check" aria-label="Buckets">
      {check.problem ? (
        <p className="banner error small" role="alert">
          {check.problem}
        </p>
      ) : null}
      <p className="small">
        Output to <code className="mono">{output.bucket}</code>: {state(output)} ({output.findings.join('; ')}).
        {visibility === 'public' && output.public !== true && ' Published files will not be reachable by others until it is public.'}
      </p>
      {check.link && (
        <p className="small">
          A published file&apos;s address: <code className="mono">{check.link}</code>
        </p>
      )}
      {check.records && (
        <p className="small">
          Log and run records to <code className="mono">{check.records.bucket}</code>: {state(check.records)} ({check.records.findings.join('; ')}).
        </p>
      )}
    </section>
  );
}
