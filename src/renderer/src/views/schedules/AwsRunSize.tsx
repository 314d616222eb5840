import { useId } from 'react';
import { INSTANCE_TYPES } from '../../../../shared/ec2-model.ts';
import { costPerRun } from '../../../../shared/schedule.ts';

interface Props {
  instanceType: string;
  diskGiB: string;
  timeoutMinutes: string;
  errors: { instanceType?: string | undefined; diskGiB?: string | undefined };
  onChange: (field: 'instanceType' | 'diskGiB', value: string) => void;
  onBlur: (field: 'instanceType' | 'diskGiB') => void;
}

function usd(value: number): string {
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/**
 * What each AWS run gets: the instance type (the EC2 workers' table) and its root disk, with
 * the most a run can cost for its instance, its timeout at the table's on-demand price.
 */
export function AwsRunSize({ instanceType, diskGiB, timeoutMinutes, errors, onChange, onBlur }: Props) {
  const id = useId();
  const cost = costPerRun(instanceType, /^\s*\d+\s*$/.test(timeoutMinutes) ? Number(timeoutMinutes) : Number.NaN);
  const attrs = (field: 'instanceType' | 'diskGiB') => ({
    id: `${id}-${field}`,
    'aria-invalid': errors[field] ? true : undefined,
    'aria-describedby': errors[field] ? `${id}-${field}-error` : `${id}-${field}-hint`,
  });
  const message = (field: 'instanceType' | 'diskGiB', hint: string) =>
    errors[field] ? (
      <span className="field-error" id={`${id}-${field}-error`} role="alert">
        {errors[field]}
      </span>
    ) : (
      <span className="muted small" id={`${id}-${field}-hint`}>
        {hint}
      </span>
    );
  return (
    <div className="row two aws-run-size">
      <div className="form-field">
        <label htmlFor={`${id}-instanceType`}>Instance type</label>
        <select {...attrs('instanceType')} value={instanceType} onChange={(e) => onChange('instanceType', e.target.value)} onBlur={() => onBlur('instanceType')}>
          {INSTANCE_TYPES.map((t) => (
            <option key={t.type} value={t.type}>
              {t.type} ({t.vcpu} vCPU, {t.memoryGiB} GiB, ${t.hourlyUsd}/h)
            </option>
          ))}
        </select>
        {message('instanceType', 'A fresh instance of this type per run, ended when the run ends.')}
      </div>
      <div className="form-field">
        <label htmlFor={`${id}-diskGiB`}>Disk (GiB)</label>
        <input {...attrs('diskGiB')} type="number" min={8} max={4096} value={diskGiB} onChange={(e) => onChange('diskGiB', e.target.value)} onBlur={() => onBlur('diskGiB')} />
        {message('diskGiB', 'The root disk: the code, its data and its output must fit.')}
      </div>
      <p className="cost-per-run small" role="status" aria-label="Cost per run">
        {cost ? (
          <>
            Cost per run: at most <strong>{usd(cost.usd)}</strong> ({cost.hours % 1 === 0 ? cost.hours : cost.hours.toFixed(2)} h timeout × ${cost.hourlyUsd}/h on-demand in us-east-1, plus the disk and S3); a run that ends sooner costs less.
          </>
        ) : (
          'Cost per run: set a timeout to see it.'
        )}
      </p>
    </div>
  );
}
