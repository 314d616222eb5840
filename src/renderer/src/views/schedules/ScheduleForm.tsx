import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { ENGINE_LABEL, type Engine } from '../../../../shared/packager-model.ts';
import type { ScheduleView } from '../../../../shared/schedule-calls.ts';
import { SPARK_MIN_TIMEOUT_MINUTES, weekdayName } from '../../../../shared/schedule.ts';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { SubmitCancelButtons } from '../../components/SubmitCancelButtons.tsx';
import { splitFieldErrors } from '../../lib/field-errors.ts';
import { RunPreview } from './RunPreview.tsx';
import { DataSourceField } from '../../components/DataSourceField.tsx';
import { checkForm, emptyForm, FORM_FIELDS, formOf, frequencyOf, inputOf, type FormField, type FormValues } from './schedule-form.ts';
import { AwsPermissions } from './AwsPermissions.tsx';
import { BucketCheck } from './BucketCheck.tsx';
import { AwsRunSize } from './AwsRunSize.tsx';
import { SparkRunSize } from './SparkRunSize.tsx';
import { AlertEmail } from './AlertEmail.tsx';
import { errorMessage } from '../../lib/errors.ts';

interface Backends {
  available: ('aws' | 'local')[];
  preferred: 'aws' | 'local';
  reasons: Record<string, string>;
  catchUpPolicy: string;
}

/**
 * The seed's "Schedule a Job" form, with what its users later asked for: messages that say
 * what to fix beside each field, the next five runs in UTC and local time, the short-month
 * rule spelled out, and a backend (AWS with an active profile, else this app) and worker.
 */
export function ScheduleForm({ existing, tarball, onSaved, onCancel }: { existing?: ScheduleView; tarball?: string; onSaved: (s: ScheduleView) => void; onCancel: () => void }) {
  const client = useClient();
  const id = useId();
  const [backends, setBackends] = useState<Backends>();
  const [workers, setWorkers] = useState<WorkerInfo[]>([]);
  const [values, setValues] = useState<FormValues>(() => (existing ? formOf(existing) : emptyForm('local', tarball)));
  // A field's message shows once the user has left it (the job name's as it is typed), and every
  // message once Schedule is pressed: none shouts at a field not yet reached.
  const [touched, setTouched] = useState<ReadonlySet<FormField> | 'all'>(new Set());
  const touch = (field: FormField) => setTouched((t) => (t === 'all' || t.has(field) ? t : new Set([...t, field])));
  const [serverErrors, setServerErrors] = useState<Partial<Record<FormField, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // The package's engine, read from its inspection (kept with the path it was read for); the Engine field starts there.
  const [read, setRead] = useState<{ path: string; engine: Engine }>();
  const [chosen, setChosen] = useState<{ path: string; engine: Engine }>();
  const tarballPath = values.tarball.trim();
  const packageEngine = read?.path === tarballPath ? read.engine : undefined;
  const engine = chosen?.path === tarballPath ? chosen.engine : packageEngine;

  useEffect(() => {
    if (tarballPath === '') return;
    let live = true;
    // Read once the path has stopped changing, not at every key typed.
    const timer = setTimeout(() => {
      client.call('packager:inspect', { path: tarballPath }).then(
        (inspection) => live && setRead({ path: tarballPath, engine: inspection.engine }),
        () => undefined,
      );
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, tarballPath]);
  // Whether the chosen worker can run Spark, asked for a Spark package run by this app: the reason, what to install, when it cannot.
  const [sparkOn, setSparkOn] = useState<{ worker: string; missing: string | undefined }>();
  const asksWorker = packageEngine === 'spark' && values.backend === 'local';
  useEffect(() => {
    if (!asksWorker) return;
    let live = true;
    const worker = values.worker;
    client.call('jobs:engines', { worker }).then(
      (engines) => live && setSparkOn({ worker, missing: engines.spark.available ? undefined : engines.spark.reason }),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, asksWorker, values.worker]);
  const sparkMissing = asksWorker && sparkOn?.worker === values.worker ? sparkOn.missing : undefined;
  // The engine is the package's: choosing the other one is answered with how to get a package that runs on it.
  const engineError =
    packageEngine && engine && engine !== packageEngine
      ? `This package runs ${packageEngine === 'spark' ? 'on Spark' : 'with local processes'}. To run it ${engine === 'spark' ? 'on Spark' : 'with local processes'}, build it again in Package with Engine: ${ENGINE_LABEL[engine]}, and schedule that tarball.`
      : sparkMissing;
  // A Spark package on AWS runs on EMR Serverless: sized in cores and memory, not by instance type.
  const sparkOnAws = packageEngine === 'spark' && values.backend === 'aws';

  useEffect(() => {
    client.call('schedules:backends').then((b) => {
      setBackends(b);
      // A new schedule goes to AWS when a profile is active, else runs here.
      if (!existing) setValues((v) => ({ ...v, backend: b.preferred }));
    }, (err: unknown) => setFormError(errorMessage(err)));
    client.call('workers:list').then(setWorkers, () => setWorkers([]));
  }, [client, existing]);

  const set = <F extends FormField>(field: F, value: FormValues[F]) => {
    setValues((v) => ({ ...v, [field]: value }));
    if (field === 'name') touch('name');
    setServerErrors(({ [field]: _fixed, ...rest }) => rest);
  };
  const timeout = Number(values.timeoutMinutes);
  const checked = {
    ...checkForm(values),
    ...(sparkOnAws && Number.isInteger(timeout) && timeout >= 1 && timeout < SPARK_MIN_TIMEOUT_MINUTES && { timeoutMinutes: `a timeout of at least ${SPARK_MIN_TIMEOUT_MINUTES} minutes: EMR Serverless enforces no shorter one` }),
  };
  const shown = touched === 'all' ? checked : Object.fromEntries(Object.entries(checked).filter(([field]) => touched.has(field as FormField)));
  const errors: Partial<Record<FormField, string>> = { ...shown, ...serverErrors };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched('all');
    setFormError(undefined);
    if (Object.keys(checked).length > 0 || engineError) return;
    setBusy(true);
    try {
      const input = inputOf(values);
      const { name, ...patch } = input;
      const saved = existing
        ? await client.call('schedules:update', { name, patch: { ...patch, startDate: patch.startDate ?? null, endDate: patch.endDate ?? null } })
        : await client.call('schedules:create', input);
      onSaved(saved);
    } catch (err) {
      const split = splitFieldErrors(errorMessage(err), FORM_FIELDS);
      setServerErrors(split.fields);
      setFormError(split.form);
    } finally {
      setBusy(false);
    }
  };

  const field = (name: FormField, label: string, input: ReactNode, hint?: ReactNode) => (
    <div className="form-field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {input}
      {hint && !errors[name] && <span className="muted small">{hint}</span>}
      {errors[name] && (
        <span className="field-error" id={`${id}-${name}-error`} role="alert">
          {errors[name]}
        </span>
      )}
    </div>
  );
  const attrs = (name: FormField) => ({
    id: `${id}-${name}`,
    'aria-invalid': errors[name] ? true : undefined,
    'aria-describedby': errors[name] ? `${id}-${name}-error` : undefined,
  });
  const text = (name: FormField, extra: object = {}) => (
    <input {...attrs(name)} value={values[name] as string} onChange={(e) => set(name, e.target.value as never)} onBlur={() => touch(name)} spellCheck={false} {...extra} />
  );
  const awsReason = backends?.reasons['aws'];

  return (
    <form className="schedule-form" onSubmit={(e) => void submit(e)} aria-label={existing ? `Edit ${existing.name}` : 'Schedule a job'} noValidate>
      <h2>{existing ? `Edit ${existing.name}` : 'Schedule a job'}</h2>
      {field('name', 'Job name', text('name', { readOnly: Boolean(existing), placeholder: 'slowsql' }), existing ? 'The name is fixed.' : 'A short slug: lower-case letters, digits and "-", such as mreid-slowsql.')}
      {field('tarball', 'Code tarball', text('tarball', { placeholder: '/home/you/jobs/slowsql-0.3.tar.gz' }), <>A package built in the <a href="#/package">Package</a> view, or any .tar.gz on this computer.</>)}
      <div className="row two">
        {field('command', 'Command line', text('command', { placeholder: 'the package\'s own: sh run.sh' }), 'Run in the unpacked folder. Empty: the package\'s own command.')}
        {field('outputDir', 'Output directory', text('outputDir', { placeholder: 'the package\'s own: output' }), 'Published after the run. Empty: the package\'s own.')}
      </div>
      <fieldset className="segmented">
        <legend>Visibility</legend>
        {(['private', 'public'] as const).map((v) => (
          <label key={v}>
            <input type="radio" name={`${id}-visibility`} checked={values.visibility === v} onChange={() => set('visibility', v)} />
            {v === 'public' ? 'Public (checked for raw data first)' : 'Private'}
          </label>
        ))}
      </fieldset>
      <div className="row two">
        {field(
          'frequency',
          'Frequency',
          <select {...attrs('frequency')} value={values.frequency} onChange={(e) => set('frequency', e.target.value as FormValues['frequency'])}>
            <option value="daily">Daily</option>
            <option value="weekly">Weekly</option>
            <option value="monthly">Monthly</option>
          </select>,
        )}
        {values.frequency === 'weekly' &&
          field(
            'dayOfWeek',
            'Day of week',
            <select {...attrs('dayOfWeek')} value={values.dayOfWeek} onChange={(e) => set('dayOfWeek', e.target.value)}>
              {[0, 1, 2, 3, 4, 5, 6].map((d) => (
                <option key={d} value={String(d)}>
                  {d}: {weekdayName(d)}
                </option>
              ))}
            </select>,
          )}
        {values.frequency === 'monthly' && field('dayOfMonth', 'Day of month (1–31)', text('dayOfMonth', { type: 'number', min: 1, max: 31 }))}
        {field('timeOfDay', 'Time of day (UTC)', text('timeOfDay', { placeholder: '12:00' }), 'Noon UTC leaves time for yesterday\'s data to arrive.')}
      </div>
      <div className="row two">
        {field('timeoutMinutes', 'Timeout (minutes, at most 1440)', text('timeoutMinutes', { type: 'number', min: 1, max: 1440 }))}
        {field('startDate', 'Start date (optional)', text('startDate', { type: 'date' }))}
        {field('endDate', 'End date (optional, inclusive)', text('endDate', { type: 'date' }))}
      </div>
      <RunPreview frequency={frequencyOf(values)} timeOfDay={values.timeOfDay} startDate={values.startDate} endDate={values.endDate} showCron={values.backend === 'aws'} />
      <div className="row two">
        {field(
          'backend',
          'Runs on',
          <select {...attrs('backend')} value={values.backend} onChange={(e) => set('backend', e.target.value as FormValues['backend'])}>
            <option value="aws" disabled={!backends?.available.includes('aws')}>
              {packageEngine === 'spark' ? 'AWS (EventBridge Scheduler, EMR Serverless per run)' : 'AWS (EventBridge Scheduler, a fresh EC2 instance per run)'}
            </option>
            <option value="local">This app, while it is open</option>
          </select>,
          values.backend === 'local' ? backends?.catchUpPolicy : undefined,
        )}
        {values.backend === 'local' &&
          field(
            'worker',
            'Worker',
            <select {...attrs('worker')} value={values.worker} onChange={(e) => set('worker', e.target.value)}>
              {(workers.length > 0 ? workers : [{ id: 'local', name: 'This computer' } as WorkerInfo]).map((w) => (
                <option key={w.id} value={w.id}>
                  {w.id === 'local' ? 'This computer' : w.name}
                </option>
              ))}
            </select>,
          )}
        <div className="form-field">
          <label htmlFor={`${id}-engine`}>Engine</label>
          <select
            id={`${id}-engine`}
            value={engine ?? 'local'}
            disabled={!packageEngine}
            onChange={(e) => setChosen({ path: tarballPath, engine: e.target.value as Engine })}
            aria-invalid={engineError ? true : undefined}
            aria-describedby={engineError ? `${id}-engine-error` : undefined}
          >
            {(['local', 'spark'] as const).map((e) => (
              <option key={e} value={e}>
                {ENGINE_LABEL[e]}
              </option>
            ))}
          </select>
          {engineError ? (
            <span className="field-error" id={`${id}-engine-error`} role="alert">
              {engineError}
            </span>
          ) : (
            <span className="muted small">{packageEngine ? 'The package’s own, as it was built in Package.' : 'Read from the package once the code tarball is found.'}</span>
          )}
        </div>
      </div>
      {awsReason && <p className="muted small">AWS is not available: {awsReason}</p>}
      {values.backend === 'aws' && (
        <>
          {sparkOnAws ? (
            <SparkRunSize values={values} errors={errors} onChange={(f, v) => set(f, v)} onBlur={touch} />
          ) : (
            <AwsRunSize instanceType={values.instanceType} diskGiB={values.diskGiB} timeoutMinutes={values.timeoutMinutes} errors={errors} onChange={(f, v) => set(f, v)} onBlur={touch} />
          )}
          <AlertEmail />
        </>
      )}
      {values.backend === 'aws' && <BucketCheck name={values.name} visibility={values.visibility} />}
      <DataSourceField
        label="Data source (DATA_DIR)"
        value={values.dataSource}
        onChange={(v) => set('dataSource', v)}
        placeholder={values.backend === 'aws' ? 's3://bucket/prefix (none: no DATA_DIR)' : 'the sample data; or a folder on the worker, or s3://bucket/prefix'}
        note={values.backend === 'aws' ? 'An S3 source is readable by the run’s role (read-only, that prefix only).' : 'On this computer S3 is read with the AWS profile of Settings; a worker reads it with its own credentials.'}
      />
      {errors.dataSource && (
        <span className="field-error" role="alert">
          {errors.dataSource}
        </span>
      )}
      {values.backend === 'aws' && <AwsPermissions name={values.name} visibility={values.visibility} dataSource={values.dataSource.trim()} engine={packageEngine ?? 'local'} />}
      <label className="checkbox">
        <input type="checkbox" checked={values.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Enabled
      </label>
      {formError && (
        <p className="error small" role="alert">
          {formError}
        </p>
      )}
      <SubmitCancelButtons label={existing ? 'Save' : 'Schedule'} busyLabel="Saving…" busy={busy} primary onCancel={onCancel} />
    </form>
  );
}
