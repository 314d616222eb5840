import { useEffect, useState } from 'react';
import { Engine, ENGINE_LABEL } from '../../../../shared/packager-model.ts';
import type { WorkerInfo } from '../../../../shared/worker-model.ts';
import { useClient } from '../../api/context.tsx';
import { errorMessage } from '../../lib/errors.ts';

/** What the chosen worker says of Spark: still being asked, there, or missing (why, what to install). */
type SparkState = { kind: 'checking' } | { kind: 'available' } | { kind: 'missing'; reason: string } | { kind: 'unknown'; error: string };

/**
 * Whether the worker can run Spark, asked of it (`jobs:engines`) whenever another worker is
 * chosen; each worker is asked once while the form is open, and again on `recheck` (after
 * installing what was missing).
 */
function useSparkState(worker: WorkerInfo): { spark: SparkState; recheck: () => void } {
  const client = useClient();
  const [states, setStates] = useState<Record<string, SparkState>>({});
  const [asked, setAsked] = useState(0);
  const known = states[worker.id];
  useEffect(() => {
    if (known) return;
    let current = true;
    client.call('jobs:engines', { worker: worker.id }).then(
      (engines) => {
        if (!current) return;
        const spark: SparkState = engines.spark.available ? { kind: 'available' } : { kind: 'missing', reason: engines.spark.reason };
        setStates((s) => ({ ...s, [worker.id]: spark }));
      },
      (err: unknown) => current && setStates((s) => ({ ...s, [worker.id]: { kind: 'unknown', error: errorMessage(err) } })),
    );
    return () => {
      current = false;
    };
    // `known` is read only to skip a worker already asked; the effect runs per worker and recheck.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, worker.id, asked]);
  const recheck = () => {
    setStates(({ [worker.id]: _asked, ...others }) => others);
    setAsked((n) => n + 1);
  };
  return { spark: known ?? { kind: 'checking' }, recheck };
}

/**
 * The Engine select of the run form: the runner's own processes, or Spark where the chosen
 * worker has it. For a worker without Spark the select stays on Local processes, disabled, and
 * says what is missing there and what to install. A Spark cluster runs Spark only: the select
 * stays on Spark (`sparkOnly`). The engine a run goes with is `engine` as this returns it.
 */
export function useEngineChoice(worker: WorkerInfo, chosen: Engine): { engine: Engine; spark: SparkState; recheck: () => void; sparkOnly: boolean } {
  const { spark, recheck } = useSparkState(worker);
  const sparkOnly = worker.kind === 'cluster';
  return { engine: sparkOnly ? 'spark' : spark.kind === 'missing' ? 'local' : chosen, spark, recheck, sparkOnly };
}

export function EnginePicker({
  engine,
  spark,
  choose,
  recheck,
  disabled,
  sparkOnly = false,
}: {
  engine: Engine;
  spark: SparkState;
  choose: (engine: Engine) => void;
  recheck: () => void;
  disabled: boolean;
  /** The worker is a Spark cluster: Spark, fixed. */
  sparkOnly?: boolean;
}) {
  const missing = spark.kind === 'missing';
  return (
    <>
      {/* A label beside, not around, the select: wrapped, its name would include the chosen option. */}
      <label htmlFor="run-form-engine">Engine</label>
      <select
        id="run-form-engine"
        value={engine}
        onChange={(e) => choose(Engine.parse(e.target.value))}
        disabled={disabled || missing || sparkOnly}
        aria-describedby={missing || spark.kind === 'unknown' || engine === 'spark' ? 'run-form-engine-note' : undefined}
      >
        {Engine.options.map((option) => (
          <option key={option} value={option}>
            {ENGINE_LABEL[option]}
          </option>
        ))}
      </select>
      {missing && (
        <p className="muted small">
          <span id="run-form-engine-note" data-testid="engine-note">
            {spark.reason}
          </span>{' '}
          <button type="button" className="link-button" onClick={recheck}>
            Check again
          </button>
        </p>
      )}
      {spark.kind === 'unknown' && (
        <p id="run-form-engine-note" className="muted small" data-testid="engine-note">
          Whether Spark runs there could not be checked ({spark.error}); a Spark run is checked again when it starts.
        </p>
      )}
      {!missing && spark.kind !== 'unknown' && engine === 'spark' && (
        <p id="run-form-engine-note" className="muted small" data-testid="engine-note">
          {spark.kind === 'checking' ? 'Checking that Spark runs there… ' : ''}
          {sparkOnly
            ? 'A Spark cluster runs jobs on Spark only, spread over its nodes by YARN; Reducers are its reduce tasks.'
            : 'Spark uses as many cores as Mappers (a few map tasks on each); Reducers are its reduce tasks.'}
        </p>
      )}
    </>
  );
}
