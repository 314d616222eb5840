import type { ScheduleView } from '../../../../shared/schedule-calls.ts';
import { DEFAULT_SCHEDULE_DISK_GIB, DEFAULT_SCHEDULE_INSTANCE_TYPE, DEFAULT_SPARK_SIZE, Schedule, type Frequency, type ScheduleInput, type SparkSize } from '../../../../shared/schedule.ts';

/** The form as typed: strings, so a half-typed number is kept as the user left it. */
export interface FormValues {
  name: string;
  tarball: string;
  command: string;
  outputDir: string;
  visibility: 'public' | 'private';
  frequency: Frequency['kind'];
  dayOfWeek: string;
  dayOfMonth: string;
  timeOfDay: string;
  timeoutMinutes: string;
  startDate: string;
  endDate: string;
  enabled: boolean;
  backend: 'aws' | 'local';
  worker: string;
  /** An AWS run's instance type and root disk (GiB, as typed). */
  instanceType: string;
  diskGiB: string;
  /** The data the job reads (DATA_DIR): a folder on the worker or s3://BUCKET/PREFIX; empty: the default. */
  dataSource: string;
  /** A Spark package's run on EMR Serverless (AWS): driver and executor sizes, executors at most, as typed. */
  sparkDriverCores: string;
  sparkDriverMemoryGiB: string;
  sparkExecutorCores: string;
  sparkExecutorMemoryGiB: string;
  sparkMaxExecutors: string;
}

/** The Spark size fields of the form, by the model's name of each. */
export const SPARK_FIELDS = {
  driverCores: 'sparkDriverCores',
  driverMemoryGiB: 'sparkDriverMemoryGiB',
  executorCores: 'sparkExecutorCores',
  executorMemoryGiB: 'sparkExecutorMemoryGiB',
  maxExecutors: 'sparkMaxExecutors',
} as const satisfies Record<keyof SparkSize, keyof FormValues>;
export type SparkField = (typeof SPARK_FIELDS)[keyof SparkSize];

function sparkValues(size: SparkSize): Pick<FormValues, SparkField> {
  return Object.fromEntries(Object.entries(SPARK_FIELDS).map(([key, field]) => [field, String(size[key as keyof SparkSize])])) as Pick<FormValues, SparkField>;
}

export type FormField = keyof FormValues;
export const FORM_FIELDS: readonly FormField[] = ['name', 'tarball', 'command', 'outputDir', 'visibility', 'frequency', 'dayOfWeek', 'dayOfMonth', 'timeOfDay', 'timeoutMinutes', 'startDate', 'endDate', 'enabled', 'backend', 'worker', 'instanceType', 'diskGiB', 'dataSource', ...Object.values(SPARK_FIELDS)];

/** The seed form's defaults: noon UTC (yesterday's data is in by then), two hours at most, the package's own command. */
export function emptyForm(backend: 'aws' | 'local', tarball = ''): FormValues {
  return { name: '', tarball, command: '', outputDir: '', visibility: 'private', frequency: 'daily', dayOfWeek: '0', dayOfMonth: '1', timeOfDay: '12:00', timeoutMinutes: '120', startDate: '', endDate: '', enabled: true, backend, worker: 'local', instanceType: DEFAULT_SCHEDULE_INSTANCE_TYPE, diskGiB: String(DEFAULT_SCHEDULE_DISK_GIB), dataSource: '', ...sparkValues(DEFAULT_SPARK_SIZE) };
}

export function formOf(s: ScheduleView): FormValues {
  return {
    name: s.name,
    tarball: s.tarball,
    command: s.command,
    outputDir: s.outputDir,
    visibility: s.visibility,
    frequency: s.frequency.kind,
    dayOfWeek: s.frequency.kind === 'weekly' ? String(s.frequency.dayOfWeek) : '0',
    dayOfMonth: s.frequency.kind === 'monthly' ? String(s.frequency.dayOfMonth) : '1',
    timeOfDay: s.timeOfDay,
    timeoutMinutes: String(s.timeoutMinutes),
    startDate: s.startDate ?? '',
    endDate: s.endDate ?? '',
    enabled: s.enabled,
    backend: s.backend,
    worker: s.worker,
    instanceType: s.instanceType,
    diskGiB: String(s.diskGiB),
    dataSource: s.dataSource ?? '',
    ...sparkValues(s.spark),
  };
}

/** A number field as typed: NaN for text that is not a whole number, so the schema says so. */
function whole(text: string): number {
  return /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

export function frequencyOf(v: Pick<FormValues, 'frequency' | 'dayOfWeek' | 'dayOfMonth'>): Frequency {
  if (v.frequency === 'weekly') return { kind: 'weekly', dayOfWeek: whole(v.dayOfWeek) };
  if (v.frequency === 'monthly') return { kind: 'monthly', dayOfMonth: whole(v.dayOfMonth) };
  return { kind: 'daily' };
}

export function inputOf(v: FormValues): ScheduleInput {
  return {
    name: v.name.trim(),
    tarball: v.tarball.trim(),
    // Left empty: the package's own command and output folder (its manifest's, else sh run.sh and output).
    ...(v.command.trim() ? { command: v.command } : {}),
    ...(v.outputDir.trim() ? { outputDir: v.outputDir.trim() } : {}),
    visibility: v.visibility,
    frequency: frequencyOf(v),
    timeOfDay: v.timeOfDay,
    timeoutMinutes: whole(v.timeoutMinutes),
    enabled: v.enabled,
    backend: v.backend,
    worker: v.worker,
    instanceType: v.instanceType,
    diskGiB: whole(v.diskGiB),
    ...(v.dataSource.trim() ? { dataSource: v.dataSource.trim() } : {}),
    spark: Object.fromEntries(Object.entries(SPARK_FIELDS).map(([key, field]) => [key, whole(v[field])])) as SparkSize,
    ...(v.startDate ? { startDate: v.startDate } : {}),
    ...(v.endDate ? { endDate: v.endDate } : {}),
  };
}

/** The schema's complaints, each beside its field (frequency.dayOfMonth -> dayOfMonth). */
export function checkForm(v: FormValues): Partial<Record<FormField, string>> {
  const parsed = Schedule.safeParse(inputOf(v));
  if (parsed.success) return {};
  const errors: Partial<Record<FormField, string>> = {};
  for (const issue of parsed.error.issues) {
    const [head, sub] = issue.path.map(String);
    const field = (head === 'frequency' && sub ? sub : head === 'spark' && sub ? SPARK_FIELDS[sub as keyof SparkSize] : head) as FormField;
    const message = issue.code === 'invalid_type' && head === 'spark' ? 'a whole number' : issue.code === 'invalid_type' && head === 'timeoutMinutes' ? 'a whole number of minutes, 1 to 1440' : issue.code === 'invalid_type' && head === 'diskGiB' ? 'a whole number of GiB, 8 to 4096' : issue.code === 'invalid_type' && sub ? (sub === 'dayOfWeek' ? 'a day of week 0 (Sunday) to 6 (Saturday)' : 'a day of month 1 to 31') : issue.message;
    errors[FORM_FIELDS.includes(field) ? field : 'name'] ??= message;
  }
  return errors;
}
