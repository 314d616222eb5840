import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AlertSubscription } from '../../../../shared/schedule-calls.ts';
import { useClient } from '../../api/context.tsx';
import { errorMessage } from '../../lib/errors.ts';

const STATE_TEXT: Record<AlertSubscription['state'], string> = {
  none: 'not subscribed',
  pending: 'pending confirmation: click the link in the mail from AWS Notifications',
  confirmed: 'confirmed',
};

/**
 * The alert e-mail of Settings: AWS itself mails it when a scheduled run fails, times out, is
 * blocked or does not happen, also while this app is closed. Shown with its subscription's state.
 */
export function AlertEmail() {
  const client = useClient();
  const id = useId();
  const [subscription, setSubscription] = useState<AlertSubscription>();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // What the user typed or saved wins over a first answer that arrives after it.
  const edited = useRef(false);

  useEffect(() => {
    let live = true;
    client.call('schedules:alert-subscription').then(
      (s) => {
        if (!live) return;
        setSubscription((current) => current ?? s);
        if (!edited.current) setEmail(s.email ?? '');
      },
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [client]);

  // Not a nested <form>: this sits inside the schedule form, whose submit must not save it.
  const save = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      setSubscription(await client.call('schedules:set-alert-email', { email: email.trim() }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const changed = (subscription?.email ?? '') !== email.trim();

  return (
    <div className="form-field alert-email" role="group" aria-labelledby={`${id}-label`}>
      <label id={`${id}-label`} htmlFor={`${id}-email`}>
        Alert e-mail
      </label>
      <div className="row">
        <input
          id={`${id}-email`}
          type="email"
          value={email}
          placeholder="you@example.org"
          spellCheck={false}
          onChange={(e) => {
            edited.current = true;
            setEmail(e.target.value);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void save();
          }}
          aria-describedby={`${id}-note`}
        />
        <button type="button" onClick={() => void save()} disabled={busy || !changed}>
          {busy ? 'Saving…' : email.trim() ? 'Subscribe' : 'Save'}
        </button>
      </div>
      <span className="muted small" id={`${id}-note`}>
        AWS mails this address when a run of any AWS schedule fails, times out, is blocked or does not happen, even while this app is closed. AWS first sends a confirmation mail: alerts arrive only after its link is clicked.
      </span>
      {subscription?.email && !changed && (
        <span className={`small subscription-state ${subscription.state}`} aria-label="Subscription">
          Subscription of {subscription.email}: {STATE_TEXT[subscription.state]}
        </span>
      )}
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
