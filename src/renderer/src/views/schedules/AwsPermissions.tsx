import { useEffect, useState } from 'react';
import type { PermissionsPlanView } from '../../../../shared/aws-schedule-calls.ts';
import type { Visibility } from '../../../../shared/schedule.ts';
import { useClient } from '../../api/context.tsx';
import { errorMessage } from '../../lib/errors.ts';

/**
 * The IAM an AWS schedule gets, shown before it is saved: the scheduler's execution role and
 * the job's instance role (read its code, write its own output; nothing else), with policies.
 */
export function AwsPermissions({ name, visibility, dataSource = '', engine = 'local' }: { name: string; visibility: Visibility; dataSource?: string; engine?: 'local' | 'spark' }) {
  const client = useClient();
  // Keyed by what was asked, so an answer for an older name is never shown for a newer one.
  const asked = `${name}|${visibility}|${dataSource}|${engine}`;
  const [answer, setAnswer] = useState<{ asked: string; plan?: PermissionsPlanView; error?: string }>();
  const valid = /^[a-z0-9][a-z0-9-]{0,62}$/.test(name);

  useEffect(() => {
    if (!valid) return;
    client.call('schedules:aws-permissions', { name, visibility, engine, ...(dataSource.startsWith('s3://') && { dataSource }) }).then(
      (plan) => setAnswer({ asked, plan }),
      (err: unknown) => setAnswer({ asked, error: errorMessage(err) }),
    );
  }, [client, name, visibility, dataSource, engine, valid, asked]);

  if (!valid || answer?.asked !== asked) return null;
  if (answer.error) return <p className="muted small">IAM: {answer.error}</p>;
  const plan = answer.plan;
  if (!plan) return null;
  return (
    <details className="aws-permissions">
      <summary>
        IAM it creates or updates: role <code className="mono">{plan.schedulerRole.name}</code> for the scheduler,{' '}
        {plan.engine === 'spark' ? 'job execution role' : 'role and instance profile'} <code className="mono">{plan.instanceRole.name}</code> for the run
        {plan.engine === 'spark' ? ' on EMR Serverless' : ''}
      </summary>
      {[plan.schedulerRole, plan.instanceRole].map((role) => (
        <section key={role.name} aria-label={`Role ${role.name}`}>
          <h4>
            {role.path}
            {role.name}
          </h4>
          <p className="muted small">Who may use it</p>
          <pre className="mono small">{JSON.stringify(role.trustPolicy, null, 2)}</pre>
          <p className="muted small">What it may do ({role.policyName})</p>
          <pre className="mono small">{JSON.stringify(role.policy, null, 2)}</pre>
          {role === plan.schedulerRole && plan.schedulerSparkPolicy && (
            <>
              <p className="muted small">What it may do for Spark runs ({plan.schedulerSparkPolicy.policyName})</p>
              <pre className="mono small">{JSON.stringify(plan.schedulerSparkPolicy.policy, null, 2)}</pre>
            </>
          )}
        </section>
      ))}
    </details>
  );
}
