import { useId, type ReactNode } from 'react';
import { SPARK_WORKER_MEMORY_GIB, sparkCostPerRun } from '../../../../shared/schedule.ts';
import { SPARK_FIELDS, type FormValues, type SparkField } from './schedule-form.ts';

interface Props {
  values: Pick<FormValues, SparkField | 'timeoutMinutes'>;
  errors: Partial<Record<SparkField, string | undefined>>;
  onChange: (field: SparkField, value: string) => void;
  onBlur: (field: SparkField) => void;
}

const CORES = Object.keys(SPARK_WORKER_MEMORY_GIB).map(Number);

function whole(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

function usd(value: number): string {
  return value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/**
 * What each scheduled Spark run gets on EMR Serverless: its driver's and executors' cores and
 * memory (the worker sizes EMR Serverless offers) and how many executors it may scale to, with
 * the most a run can cost for its timeout.
 */
export function SparkRunSize({ values, errors, onChange, onBlur }: Props) {
  const id = useId();
  const memoryRange = (cores: string) => {
    const range = SPARK_WORKER_MEMORY_GIB[whole(cores)];
    return range ? `${range[0]}–${range[1]} GiB with ${cores} ${cores === '1' ? 'core' : 'cores'}.` : 'Pick the cores first.';
  };
  const field = (name: SparkField, label: string, input: (attrs: object) => ReactNode, hint: string) => (
    <div className="form-field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {input({
        id: `${id}-${name}`,
        'aria-invalid': errors[name] ? true : undefined,
        'aria-describedby': errors[name] ? `${id}-${name}-error` : `${id}-${name}-hint`,
        onBlur: () => onBlur(name),
      })}
      {errors[name] ? (
        <span className="field-error" id={`${id}-${name}-error`} role="alert">
          {errors[name]}
        </span>
      ) : (
        <span className="muted small" id={`${id}-${name}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
  const cores = (name: SparkField, label: string, hint: string) =>
    field(
      name,
      label,
      (attrs) => (
        <select {...attrs} value={values[name]} onChange={(e) => onChange(name, e.target.value)}>
          {CORES.map((c) => (
            <option key={c} value={String(c)}>
              {c}
            </option>
          ))}
        </select>
      ),
      hint,
    );
  const number = (name: SparkField, label: string, hint: string, min: number, max: number) =>
    field(name, label, (attrs) => <input {...attrs} type="number" min={min} max={max} value={values[name]} onChange={(e) => onChange(name, e.target.value)} />, hint);
  const size = Object.fromEntries(Object.entries(SPARK_FIELDS).map(([key, f]) => [key, whole(values[f])])) as Parameters<typeof sparkCostPerRun>[0];
  const cost = sparkCostPerRun(size, whole(values.timeoutMinutes));
  return (
    <fieldset className="spark-run-size" aria-label="Spark run size on EMR Serverless">
      <legend>Each run on EMR Serverless</legend>
      <div className="row two aws-run-size">
        {cores('sparkDriverCores', 'Driver cores', 'vCPU of the driver.')}
        {number('sparkDriverMemoryGiB', 'Driver memory (GiB)', memoryRange(values.sparkDriverCores), 2, 120)}
        {cores('sparkExecutorCores', 'Executor cores', 'vCPU of each executor.')}
        {number('sparkExecutorMemoryGiB', 'Executor memory (GiB)', memoryRange(values.sparkExecutorCores), 2, 120)}
        {number('sparkMaxExecutors', 'Executors at most', 'Spark adds executors as the work needs, up to this many.', 1, 100)}
      </div>
      <p className="cost-per-run small" role="status" aria-label="Cost per run">
        {cost ? (
          <>
            Cost per run: at most <strong>{usd(cost.usd)}</strong> ({cost.vcpu} vCPU and {cost.memoryGiB} GiB for the {cost.hours % 1 === 0 ? cost.hours : cost.hours.toFixed(2)} h timeout, EMR Serverless on-demand in us-east-1, plus S3); fewer executors or a shorter run cost less. No cluster to size or to forget: the application stops itself when idle.
          </>
        ) : (
          'Cost per run: set the sizes and a timeout to see it.'
        )}
      </p>
    </fieldset>
  );
}
