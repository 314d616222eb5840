import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { INSTANCE_TYPES, instanceTypeInfo, LaunchRequest, MAX_LIFETIME_HOURS, REGIONS, type Ec2Worker } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { SubmitCancelButtons } from '../../../components/SubmitCancelButtons.tsx';
import { useSettings } from '../../../lib/useSettings.ts';
import { formatUsd } from '../../../lib/format.ts';
import { errorMessage } from '../../../lib/errors.ts';
import { useAction } from '../../../lib/useAction.ts';

interface Values {
  name: string;
  region: string;
  instanceType: string;
  lifetimeHours: string;
  diskGiB: string;
  allowedCidr: string;
  instanceProfile: string;
  /** Data buckets to read, separated by commas or spaces. */
  readBuckets: string;
  imageId: string;
  sshUser: string;
}

function toRequest(values: Values, clientToken: string): unknown {
  return {
    name: values.name.trim(),
    region: values.region,
    instanceType: values.instanceType,
    lifetimeHours: Number(values.lifetimeHours),
    diskGiB: Number(values.diskGiB),
    clientToken,
    ...(values.allowedCidr.trim() && { allowedCidr: values.allowedCidr.trim() }),
    ...(values.instanceProfile.trim() && { instanceProfile: values.instanceProfile.trim() }),
    ...(values.readBuckets.trim() && { readBuckets: values.readBuckets.split(/[\s,]+/).filter(Boolean) }),
    ...(values.imageId.trim() && { imageId: values.imageId.trim() }),
    ...(values.sshUser.trim() && { sshUser: values.sshUser.trim() }),
  };
}

/**
 * The launch form. One client token per form: pressing Launch again after a failure or a
 * timeout retries the same launch, so it can never start two instances.
 */
export function LaunchEc2Form({ onLaunched, onCancel }: { onLaunched: (worker: Ec2Worker) => void; onCancel: () => void }) {
  const client = useClient();
  const id = useId();
  const { settings } = useSettings();
  const [token] = useState(() => `ui-${crypto.randomUUID()}`);
  // Region and lifetime left empty follow the settings (which may still be loading).
  const [typed, setValues] = useState<Values>({ name: '', region: '', instanceType: 'm6i.xlarge', lifetimeHours: '', diskGiB: '30', allowedCidr: '', instanceProfile: '', readBuckets: '', imageId: '', sshUser: '' });
  const values: Values = {
    ...typed,
    region: typed.region || (settings?.regions[0] ?? 'us-east-1'),
    lifetimeHours: typed.lifetimeHours || String(settings?.workerLifetimeHours ?? MAX_LIFETIME_HOURS),
  };
  const [problems, setProblems] = useState<string[]>([]);
  const launch = useAction(async (request: LaunchRequest) => onLaunched(await client.call('ec2:launch', request)));
  const busy = launch.pending;
  const errors = launch.error ? [launch.error] : problems;
  const [addressNote, setAddressNote] = useState<string>();

  useEffect(() => {
    client.call('aws:my-address').then(
      ({ cidr }) => setValues((v) => (v.allowedCidr ? v : { ...v, allowedCidr: cidr })),
      (err: unknown) => setAddressNote(errorMessage(err)),
    );
  }, [client]);

  const set = (field: keyof Values, value: string) => setValues((v) => ({ ...v, [field]: value }));
  const type = instanceTypeInfo(values.instanceType);
  const estimate = type ? type.hourlyUsd * Math.min(Number(values.lifetimeHours) || 0, MAX_LIFETIME_HOURS) : 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const request = toRequest(values, token);
    const parsed = LaunchRequest.safeParse(request);
    if (!parsed.success) {
      launch.setError(undefined);
      setProblems(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`));
      return;
    }
    setProblems([]);
    await launch.run(request as never);
  };

  const field = (name: keyof Values, label: string, input: ReactNode) => (
    <label className="form-field" htmlFor={`${id}-${name}`}>
      {label}
      {input}
    </label>
  );

  return (
    <form className="add-ssh-form ec2-launch-form" onSubmit={(e) => void submit(e)} aria-label="Launch an EC2 worker">
      <h2>Launch an EC2 worker</h2>
      {field('name', 'Name', <input id={`${id}-name`} value={values.name} onChange={(e) => set('name', e.target.value)} required spellCheck={false} />)}
      {field(
        'region',
        'Region',
        <select id={`${id}-region`} value={values.region} onChange={(e) => set('region', e.target.value)}>
          {REGIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>,
      )}
      {field(
        'instanceType',
        'Instance type',
        <select id={`${id}-instanceType`} value={values.instanceType} onChange={(e) => set('instanceType', e.target.value)}>
          {INSTANCE_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.type}: {t.vcpu} vCPU, {t.memoryGiB} GiB, {formatUsd(t.hourlyUsd)}/h
            </option>
          ))}
        </select>,
      )}
      {field('lifetimeHours', `Lifetime (hours, at most ${MAX_LIFETIME_HOURS})`, <input id={`${id}-lifetimeHours`} type="number" min={0.25} max={MAX_LIFETIME_HOURS} step="any" value={values.lifetimeHours} onChange={(e) => set('lifetimeHours', e.target.value)} />)}
      {field('diskGiB', 'Disk (GiB)', <input id={`${id}-diskGiB`} type="number" min={8} max={4096} value={values.diskGiB} onChange={(e) => set('diskGiB', e.target.value)} />)}
      {field('allowedCidr', 'Allowed SSH source', <input id={`${id}-allowedCidr`} value={values.allowedCidr} placeholder="203.0.113.7/32" onChange={(e) => set('allowedCidr', e.target.value)} spellCheck={false} />)}
      {addressNote && !values.allowedCidr && <p className="muted small">{addressNote}</p>}
      {field(
        'readBuckets',
        'Data buckets it may read (optional, read-only)',
        <input id={`${id}-readBuckets`} value={values.readBuckets} onChange={(e) => set('readBuckets', e.target.value)} placeholder="telemetry-data, other-bucket" spellCheck={false} disabled={values.instanceProfile.trim() !== ''} />,
      )}
      <p className="muted small">The worker gets a role that may only list and read these buckets; your AWS keys never go to it. An SSH worker reads S3 with its own AWS setup.</p>
      {field('instanceProfile', 'IAM instance profile (optional, instead of buckets above)', <input id={`${id}-instanceProfile`} value={values.instanceProfile} onChange={(e) => set('instanceProfile', e.target.value)} spellCheck={false} disabled={values.readBuckets.trim() !== ''} />)}
      {field('imageId', 'AMI (optional; default: newest Ubuntu LTS)', <input id={`${id}-imageId`} value={values.imageId} placeholder="ami-…" onChange={(e) => set('imageId', e.target.value)} spellCheck={false} />)}
      {/* Another AMI may log in as another user (ec2-user on Amazon Linux, admin on Debian). */}
      {field('sshUser', 'Login user (optional; default: ubuntu)', <input id={`${id}-sshUser`} value={values.sshUser} placeholder="ubuntu" onChange={(e) => set('sshUser', e.target.value)} spellCheck={false} />)}
      <p className="muted small" aria-live="polite">
        At most {formatUsd(estimate)} for its whole life; it terminates itself when the lifetime ends.
      </p>
      {errors.map((message) => (
        <p key={message} className="error small" role="alert">
          {message}
        </p>
      ))}
      <SubmitCancelButtons label="Launch" busyLabel="Launching…" busy={busy} onCancel={onCancel} />
    </form>
  );
}
