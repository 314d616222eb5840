import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import type { z } from 'zod';
import { REGIONS } from '../../../../../shared/ec2-model.ts';
import type { Settings } from '../../../../../shared/model.ts';
import { useClient } from '../../../api/context.tsx';
import { SubmitCancelButtons } from '../../../components/SubmitCancelButtons.tsx';
import { errorMessage } from '../../../lib/errors.ts';
import { useAction } from '../../../lib/useAction.ts';
import { useSettings } from '../../../lib/useSettings.ts';
import './fleet.css';

/** The fields every launch form has, as typed (text). */
export interface LaunchValues {
  name: string;
  region: string;
  instanceType: string;
  /** The lifetime in hours. */
  hours: string;
  allowedCidr: string;
}

export interface LaunchFormOptions<V extends LaunchValues> {
  initial: V;
  /** What an empty field follows in the settings (which may still be loading): region, lifetime. */
  defaults: (settings: Settings | undefined) => Partial<V>;
  /** The request the values make, and the schema it must pass before it is sent. */
  request: (values: V) => unknown;
  schema: z.ZodType;
  /** Sends the checked request (the launch call) and says what was launched. */
  launch: (request: never) => Promise<unknown>;
}

export interface LaunchForm<V extends LaunchValues> {
  /** What the user typed, with the settings' defaults in the fields left empty. */
  values: V;
  set: (field: keyof V, value: string) => void;
  /** The id prefix of the form's inputs. */
  id: string;
  /** Why the values were refused (by the schema or by the launch). */
  errors: string[];
  pending: boolean;
  /** Why this computer's address could not be looked up for the SSH source. */
  addressNote: string | undefined;
  submit: (event: FormEvent) => Promise<void>;
}

/**
 * A launch form's state: values over the settings' defaults, the SSH source filled with this
 * computer's address once it is known, the request checked by its schema before it is sent.
 */
export function useLaunchForm<V extends LaunchValues>({ initial, defaults, request, schema, launch: send }: LaunchFormOptions<V>): LaunchForm<V> {
  const client = useClient();
  const id = useId();
  const { settings } = useSettings();
  const [typed, setTyped] = useState<V>(initial);
  const fallback = defaults(settings);
  const values = Object.fromEntries(Object.entries(typed).map(([k, v]) => [k, v || (fallback[k as keyof V] ?? v)])) as V;
  const [problems, setProblems] = useState<string[]>([]);
  const launch = useAction(send);
  const [addressNote, setAddressNote] = useState<string>();

  useEffect(() => {
    client.call('aws:my-address').then(
      ({ cidr }) => setTyped((v) => (v.allowedCidr ? v : { ...v, allowedCidr: cidr })),
      (err: unknown) => setAddressNote(errorMessage(err)),
    );
  }, [client]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const made = request(values);
    const parsed = schema.safeParse(made);
    if (!parsed.success) {
      launch.setError(undefined);
      setProblems(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`));
      return;
    }
    setProblems([]);
    await launch.run(made as never);
  };

  return {
    values,
    set: (field, value) => setTyped((v) => ({ ...v, [field]: value })),
    id,
    errors: launch.error ? [launch.error] : problems,
    pending: launch.pending,
    addressNote,
    submit,
  };
}

/** A labelled input of a launch form: `input` has the id `${form.id}-${name}`. */
export function Field({ form, name, label, children }: { form: { id: string }; name: string; label: string; children: ReactNode }) {
  return (
    <label className="form-field" htmlFor={`${form.id}-${name}`}>
      {label}
      {children}
    </label>
  );
}

/** Name and region, the first fields of every launch form. */
export function NameAndRegion<V extends LaunchValues>({ form }: { form: LaunchForm<V> }) {
  const { id, values, set } = form;
  return (
    <>
      <Field form={form} name="name" label="Name">
        <input id={`${id}-name`} value={values.name} onChange={(e) => set('name', e.target.value)} required spellCheck={false} />
      </Field>
      <Field form={form} name="region" label="Region">
        <select id={`${id}-region`} value={values.region} onChange={(e) => set('region', e.target.value)}>
          {REGIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </Field>
    </>
  );
}

/** The instance type, from `types` with what each offers and costs per hour. */
export function InstanceTypeField<V extends LaunchValues>({ form, label, types }: { form: LaunchForm<V>; label: string; types: { type: string; text: string }[] }) {
  return (
    <Field form={form} name="instanceType" label={label}>
      <select id={`${form.id}-instanceType`} value={form.values.instanceType} onChange={(e) => form.set('instanceType', e.target.value)}>
        {types.map((t) => (
          <option key={t.type} value={t.type}>
            {t.text}
          </option>
        ))}
      </select>
    </Field>
  );
}

/** The lifetime in hours, between `min` and `max`. */
export function LifetimeField<V extends LaunchValues>({ form, label, min, max }: { form: LaunchForm<V>; label: string; min: number; max: number }) {
  return (
    <Field form={form} name="hours" label={label}>
      <input id={`${form.id}-hours`} type="number" min={min} max={max} step="any" value={form.values.hours} onChange={(e) => form.set('hours', e.target.value)} />
    </Field>
  );
}

/** The one address SSH is allowed from (this computer's, once looked up), or why it was not looked up. */
export function SshSourceField<V extends LaunchValues>({ form }: { form: LaunchForm<V> }) {
  return (
    <>
      <Field form={form} name="allowedCidr" label="Allowed SSH source">
        <input id={`${form.id}-allowedCidr`} value={form.values.allowedCidr} placeholder="203.0.113.7/32" onChange={(e) => form.set('allowedCidr', e.target.value)} spellCheck={false} />
      </Field>
      {form.addressNote && !form.values.allowedCidr && <p className="muted small">{form.addressNote}</p>}
    </>
  );
}

/** The form around the fields: its heading (and accessible name), the errors, Launch and Cancel. */
export function LaunchFormFrame<V extends LaunchValues>({ form, title, onCancel, children }: { form: LaunchForm<V>; title: string; onCancel: () => void; children: ReactNode }) {
  return (
    <form className="add-ssh-form ec2-launch-form" onSubmit={(e) => void form.submit(e)} aria-label={title}>
      <h2>{title}</h2>
      {children}
      {form.errors.map((message) => (
        <p key={message} className="error small" role="alert">
          {message}
        </p>
      ))}
      <SubmitCancelButtons label="Launch" busyLabel="Launching…" busy={form.pending} onCancel={onCancel} />
    </form>
  );
}
