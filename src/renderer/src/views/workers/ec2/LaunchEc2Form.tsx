import { useState } from 'react';
import { INSTANCE_TYPES, LaunchRequest, MAX_LIFETIME_HOURS, instanceTypeInfo, type Ec2Worker } from '../../../../../shared/ec2-model.ts';
import { useClient } from '../../../api/context.tsx';
import { formatUsd } from '../../../lib/format.ts';
import { Field, InstanceTypeField, LaunchFormFrame, LifetimeField, NameAndRegion, SshSourceField, useLaunchForm, type LaunchValues } from '../fleet/LaunchForm.tsx';

interface Values extends LaunchValues {
  diskGiB: string;
  instanceProfile: string;
  /** Data buckets to read, separated by commas or spaces. */
  readBuckets: string;
  imageId: string;
  sshUser: string;
}

const TYPES = INSTANCE_TYPES.map((t) => ({ type: t.type, text: `${t.type}: ${t.vcpu} vCPU, ${t.memoryGiB} GiB, ${formatUsd(t.hourlyUsd)}/h` }));

function toRequest(values: Values, clientToken: string): unknown {
  return {
    name: values.name.trim(),
    region: values.region,
    instanceType: values.instanceType,
    lifetimeHours: Number(values.hours),
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
  const [token] = useState(() => `ui-${crypto.randomUUID()}`);
  const form = useLaunchForm<Values>({
    initial: { name: '', region: '', instanceType: 'm6i.xlarge', hours: '', diskGiB: '30', allowedCidr: '', instanceProfile: '', readBuckets: '', imageId: '', sshUser: '' },
    defaults: (settings) => ({ region: settings?.regions[0] ?? 'us-east-1', hours: String(settings?.workerLifetimeHours ?? MAX_LIFETIME_HOURS) }),
    request: (values) => toRequest(values, token),
    schema: LaunchRequest,
    launch: async (request: LaunchRequest) => onLaunched(await client.call('ec2:launch', request)),
  });
  const { id, values, set } = form;
  const type = instanceTypeInfo(values.instanceType);
  const estimate = type ? type.hourlyUsd * Math.min(Number(values.hours) || 0, MAX_LIFETIME_HOURS) : 0;

  return (
    <LaunchFormFrame form={form} title="Launch an EC2 worker" onCancel={onCancel}>
      <NameAndRegion form={form} />
      <InstanceTypeField form={form} label="Instance type" types={TYPES} />
      <LifetimeField form={form} label={`Lifetime (hours, at most ${MAX_LIFETIME_HOURS})`} min={0.25} max={MAX_LIFETIME_HOURS} />
      <Field form={form} name="diskGiB" label="Disk (GiB)">
        <input id={`${id}-diskGiB`} type="number" min={8} max={4096} value={values.diskGiB} onChange={(e) => set('diskGiB', e.target.value)} />
      </Field>
      <SshSourceField form={form} />
      <Field form={form} name="readBuckets" label="Data buckets it may read (optional, read-only)">
        <input id={`${id}-readBuckets`} value={values.readBuckets} onChange={(e) => set('readBuckets', e.target.value)} placeholder="telemetry-data, other-bucket" spellCheck={false} disabled={values.instanceProfile.trim() !== ''} />
      </Field>
      <p className="muted small">The worker gets a role that may only list and read these buckets; your AWS keys never go to it. An SSH worker reads S3 with its own AWS setup.</p>
      <Field form={form} name="instanceProfile" label="IAM instance profile (optional, instead of buckets above)">
        <input id={`${id}-instanceProfile`} value={values.instanceProfile} onChange={(e) => set('instanceProfile', e.target.value)} spellCheck={false} disabled={values.readBuckets.trim() !== ''} />
      </Field>
      <Field form={form} name="imageId" label="AMI (optional; default: newest Ubuntu LTS)">
        <input id={`${id}-imageId`} value={values.imageId} placeholder="ami-…" onChange={(e) => set('imageId', e.target.value)} spellCheck={false} />
      </Field>
      {/* Another AMI may log in as another user (ec2-user on Amazon Linux, admin on Debian). */}
      <Field form={form} name="sshUser" label="Login user (optional; default: ubuntu)">
        <input id={`${id}-sshUser`} value={values.sshUser} placeholder="ubuntu" onChange={(e) => set('sshUser', e.target.value)} spellCheck={false} />
      </Field>
      <p className="muted small" aria-live="polite">
        At most {formatUsd(estimate)} for its whole life; it terminates itself when the lifetime ends.
      </p>
    </LaunchFormFrame>
  );
}
