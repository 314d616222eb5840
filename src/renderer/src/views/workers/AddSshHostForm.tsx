import { useId, useState, type FormEvent } from 'react';
import { RemoteError } from '../../../../shared/errors.ts';
import { SshWorkerSpec, type WorkerInfo } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { splitFieldErrors, type FieldErrors } from '../../lib/field-errors.ts';
import { ErrorText } from '../../components/ErrorText.tsx';
import { errorMessage } from '../../lib/errors.ts';

const FIELDS = ['name', 'host', 'user', 'port', 'workDir'] as const;
type Field = (typeof FIELDS)[number];
type Values = Record<Field, string>;

const EMPTY: Values = { name: '', host: '', user: '', port: '', workDir: '' };
const NO_ERRORS: FieldErrors<Field> = { fields: {}, form: undefined };

/** What the form holds, as the contract wants it: empty optional fields are left out. */
function toSpec(values: Values): unknown {
  const port = values.port.trim();
  return {
    name: values.name.trim(),
    host: values.host.trim(),
    ...(values.user.trim() && { user: values.user.trim() }),
    // A port that is not a number is passed as text so the schema names the field.
    ...(port && { port: /^\d+$/.test(port) ? Number(port) : port }),
    ...(values.workDir.trim() && { workDir: values.workDir.trim() }),
  };
}

/** The same check the core makes, run first so most mistakes show without a round trip. */
function checkLocally(values: Values): FieldErrors<Field> {
  const parsed = SshWorkerSpec.safeParse(toSpec(values));
  if (parsed.success) return NO_ERRORS;
  const errors: FieldErrors<Field> = { fields: {}, form: undefined };
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as Field | undefined;
    if (field && FIELDS.includes(field)) errors.fields[field] ??= field === 'port' ? 'a port number from 1 to 65535' : issue.message;
    else errors.form ??= issue.message;
  }
  return errors;
}

/** A BAD_INPUT message placed beside its field; a taken name is a plain sentence naming no field. */
function badInput(message: string): FieldErrors<Field> {
  if (/already a worker named/i.test(message)) return { fields: { name: message }, form: undefined };
  return splitFieldErrors(message, FIELDS);
}

/** A name derived from the host while the user has not typed one. */
function nameFromHost(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 63);
}

export function AddSshHostForm({ onAdded, onCancel }: { onAdded: (worker: WorkerInfo) => void; onCancel: () => void }) {
  const client = useClient();
  const id = useId();
  const [values, setValues] = useState<Values>(EMPTY);
  const [nameTouched, setNameTouched] = useState(false);
  const [errors, setErrors] = useState<FieldErrors<Field>>(NO_ERRORS);
  const [saving, setSaving] = useState(false);

  const set = (field: Field, value: string) => {
    setValues((current) => ({
      ...current,
      [field]: value,
      ...(field === 'host' && !nameTouched && { name: nameFromHost(value) }),
    }));
    if (field === 'name') setNameTouched(true);
    // The message for a field goes as soon as the field is edited.
    setErrors((current) => ({ ...current, fields: { ...current.fields, [field]: undefined } }));
  };

  // Keyboard and screen-reader users land on the first field to fix.
  const focusFirstError = (found: FieldErrors<Field>) => {
    const first = FIELDS.find((f) => found.fields[f]);
    if (first) requestAnimationFrame(() => document.getElementById(`${id}-${first}`)?.focus());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (saving) return;
    const local = checkLocally(values);
    setErrors(local);
    if (Object.values(local.fields).some(Boolean) || local.form) return focusFirstError(local);
    setSaving(true);
    try {
      const worker = await client.call('workers:add-ssh', toSpec(values) as SshWorkerSpec);
      setValues(EMPTY);
      setNameTouched(false);
      onAdded(worker);
    } catch (err) {
      const message = errorMessage(err);
      const next = err instanceof RemoteError && err.code === 'BAD_INPUT' ? badInput(message) : { fields: {}, form: message };
      setErrors(next);
      focusFirstError(next);
    } finally {
      setSaving(false);
    }
  };

  const field = (name: Field, label: string, props: { placeholder?: string; hint?: string; inputMode?: 'numeric' } = {}) => {
    const error = errors.fields[name];
    const inputId = `${id}-${name}`;
    const describedBy = [error && `${inputId}-error`, props.hint && `${inputId}-hint`].filter(Boolean).join(' ');
    return (
      <div className="form-field">
        <label htmlFor={inputId}>{label}</label>
        <input
          id={inputId}
          value={values[name]}
          onChange={(e) => set(name, e.target.value)}
          placeholder={props.placeholder}
          inputMode={props.inputMode}
          spellCheck={false}
          autoCapitalize="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy || undefined}
        />
        {props.hint && (
          <span id={`${inputId}-hint`} className="muted small">
            {props.hint}
          </span>
        )}
        {error && (
          <span id={`${inputId}-error`} className="field-error">
            {error}
          </span>
        )}
      </div>
    );
  };

  return (
    <form className="add-ssh-form" onSubmit={(e) => void submit(e)} aria-label="Add SSH host" noValidate>
      <h2>Add SSH host</h2>
      {field('host', 'Host or ssh_config alias', { placeholder: 'analysis-box or 10.0.0.5', hint: 'Aliases come from the app’s ssh_config, then ~/.ssh/config.' })}
      {field('name', 'Name', { placeholder: 'analysis-box' })}
      <div className="row two">
        {field('user', 'User', { placeholder: 'from ssh_config' })}
        {field('port', 'Port', { placeholder: '22', inputMode: 'numeric' })}
      </div>
      {field('workDir', 'Work folder', { placeholder: '~/.workbench' })}
      <ErrorText error={errors.form} />
      <div className="row">
        <button type="submit" disabled={saving}>
          {saving ? 'Adding…' : 'Add host'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
